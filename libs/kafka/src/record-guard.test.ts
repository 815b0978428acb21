import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import { createLogger } from '@realtime/log';
import { createKafka } from './client.ts';
import { guardRecord, initSkippedRecords } from './record-guard.ts';

function setup() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({ write: (chunk, _e, cb) => { lines.push(JSON.parse(String(chunk))); cb(); } });
  const log = createLogger({ service: 'test', level: 'debug', destination });
  const counts = new Map<string, number>();
  const skippedRecords = { inc: (l: { topic: string; reason: string }, n = 1) => void counts.set(`${l.topic}/${l.reason}`, (counts.get(`${l.topic}/${l.reason}`) ?? 0) + n) };
  // Never connects: the guard only uses the client as the key of its counter.
  const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'guard-test', logger: log, skippedRecords });
  return { lines, log, counts, kafka };
}
const site = { topic: 'realtime.broadcast', partition: 3, offset: '42', key: 't1:o:room' };
const fast = { initialMs: 1, maxMs: 2 };

describe('guardRecord', () => {
  it('skips a record whose handler throws a non-retryable error: logged with its code and counted', async () => {
    const { lines, log, counts, kafka } = setup();
    initSkippedRecords(kafka, site.topic);
    expect(counts.get('realtime.broadcast/handler_error')).toBe(0);
    let calls = 0;
    await guardRecord(kafka, { log, running: () => true, backoff: fast }, site, () => {
      calls++;
      throw new RangeError('topic is 300 bytes; the binary frame allows at most 255');
    });
    expect(calls).toBe(1);
    expect(counts.get('realtime.broadcast/handler_error')).toBe(1);
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, code: ErrorCodes.UnknownError, topic: site.topic, partition: 3, offset: '42' }));
  });

  it('keeps the code of a non-retryable RealtimeError in the log line', async () => {
    const { lines, log, kafka } = setup();
    await guardRecord(kafka, { log, running: () => true, backoff: fast }, site, () => {
      throw new RealtimeError(ErrorCodes.InvalidPresencePayload);
    });
    expect(lines).toContainEqual(expect.objectContaining({ code: ErrorCodes.InvalidPresencePayload }));
  });

  it('retries a retryable error with backoff until the handler succeeds, skipping nothing', async () => {
    const { lines, log, counts, kafka } = setup();
    let calls = 0;
    let beats = 0;
    await guardRecord(kafka, { log, running: () => true, heartbeat: async () => void beats++, backoff: fast }, site, async () => {
      if (++calls < 4) throw new RealtimeError(ErrorCodes.RedisUnavailable, 'redis down', { retryable: true });
    });
    expect(calls).toBe(4);
    expect(beats).toBe(3);
    expect(counts.get('realtime.broadcast/handler_error') ?? 0).toBe(0);
    expect(lines.filter((l) => l.code === ErrorCodes.RedisUnavailable)).toHaveLength(1); // one line per streak
  });

  it('gives up retrying when the reader stops, rethrowing so nothing is committed', async () => {
    const { log, kafka } = setup();
    let running = true;
    const down = new RealtimeError(ErrorCodes.RedisUnavailable, 'redis down', { retryable: true });
    const result = guardRecord(kafka, { log, running: () => running, backoff: fast }, site, () => {
      running = false;
      throw down;
    });
    await expect(result).rejects.toBe(down);
  });
});
