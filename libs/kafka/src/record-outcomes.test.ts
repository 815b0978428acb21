import { describe, expect, it } from 'vitest';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import { RECORD_BATCH_OVERHEAD_BYTES, sendEachRecord, skipTooLarge, type SendPlan } from './record-outcomes.ts';
import { messageBytes, type SizedMessage } from './request-chunks.ts';

const msg = (key: string, bytes: number): SizedMessage => ({ key, value: Buffer.alloc(bytes) });
// What the broker does: a request holding a record over `limit` is refused as a whole.
const tooLarge = Object.assign(new Error('too large'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE' });
const unavailable = Object.assign(new Error('down'), { name: 'KafkaJSConnectionError' });

function broker(limit: number, log: string[][] = []): SendPlan<SizedMessage>['sendChunk'] {
  return async (chunk) => {
    if (chunk.some((m) => messageBytes(m) + RECORD_BATCH_OVERHEAD_BYTES > limit)) throw tooLarge;
    log.push(chunk.map((m) => m.key));
    return [{ partition: 0, offset: String(log.length) }];
  };
}
const plan = (messages: SendPlan<SizedMessage>['messages'], sendChunk: SendPlan<SizedMessage>['sendChunk'], limitBytes?: number): SendPlan<SizedMessage> => ({
  topic: 't', messages, limitBytes, maxRequestBytes: 10_000, sendChunk, toError: (err) => new RealtimeError(ErrorCodes.KafkaUnavailable, String(err)),
});

describe('sendEachRecord', () => {
  it('refuses a record over the known limit alone, without a request, and sends the others in order', async () => {
    const log: string[][] = [];
    const { outcomes } = await sendEachRecord(plan([msg('a', 10), msg('big', 5000), msg('c', 10)], broker(1000, log), 1000));
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(outcomes[1]).toMatchObject({ ok: false, error: { code: ErrorCodes.PayloadSizeExceeded, retryable: false } });
    expect(log.flat()).toEqual(['a', 'c']);
  });

  it('without a known limit, a request the broker refuses is resent record by record: only the offender fails', async () => {
    const log: string[][] = [];
    const { outcomes } = await sendEachRecord(plan([msg('a', 10), msg('big', 5000), msg('c', 10), msg('d', 10)], broker(1000, log)));
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true, true]);
    expect(outcomes[1]).toMatchObject({ error: { code: ErrorCodes.PayloadSizeExceeded } });
    expect(log).toEqual([['a'], ['c'], ['d']]);
  });

  it('a record that failed to encode fails alone', async () => {
    const bad = new RealtimeError(ErrorCodes.KafkaRecordUndecodable, 'bad');
    const { outcomes } = await sendEachRecord(plan([bad, msg('b', 1)], broker(1000)));
    expect(outcomes).toEqual([{ ok: false, error: bad }, { ok: true }]);
  });

  it('a broker outage fails the request and every later one, unsent, so nothing overtakes the failed records', async () => {
    const log: string[][] = [];
    let calls = 0;
    const flaky: SendPlan<SizedMessage>['sendChunk'] = async (chunk) => {
      if (++calls === 2) throw unavailable;
      return broker(100_000, log)(chunk);
    };
    // 4 KB records in 10 KB requests: [a,b] [c,d] [e]
    const { outcomes } = await sendEachRecord(plan(['a', 'b', 'c', 'd', 'e'].map((k) => msg(k, 4000)), flaky));
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, false, false, false]);
    expect(outcomes[4]).toMatchObject({ error: { code: ErrorCodes.KafkaUnavailable } });
    expect(calls).toBe(2);
  });
});

describe('skipTooLarge', () => {
  it('reports each record too large and throws the first other failure', () => {
    const big = new RealtimeError(ErrorCodes.PayloadSizeExceeded, 'big');
    const down = new RealtimeError(ErrorCodes.KafkaUnavailable, 'down');
    const skipped: number[] = [];
    expect(() => skipTooLarge([{ ok: true }, { ok: false, error: big }], (i) => skipped.push(i))).not.toThrow();
    expect(() => skipTooLarge([{ ok: false, error: big }, { ok: false, error: down }], (i) => skipped.push(i))).toThrow(down);
    expect(skipped).toEqual([1, 0]);
  });
});
