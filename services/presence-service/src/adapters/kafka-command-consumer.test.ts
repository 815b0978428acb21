// A poison presence command (one whose application fails for a reason other than our infrastructure)
// costs only itself: the rest of its batch is applied and every offset is marked done.
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import { createLogger } from '@realtime/log';
import { createKafka, recordTools } from '@realtime/kafka';
import { sampleRecords } from '@realtime/testing/samples';
import { applyBatch } from './kafka-command-consumer.ts';
import type { BatchControl, Consumed } from '../processor.ts';

function setup() {
  const log = createLogger({ service: 'test', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  const skipped: string[] = [];
  // Never connects: the record guard only uses the client as the key of its counter.
  const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'test', logger: log, skippedRecords: { inc: ({ reason }) => void skipped.push(reason) } });
  const done: string[] = [];
  const control: BatchControl = { active: () => true, done: (offset) => void done.push(offset), heartbeat: async () => {} };
  return { records: recordTools(kafka, 'realtime.presence.commands', log, () => true), control, done, skipped };
}
const item = (key: string, offset: number): Consumed => ({ command: { ...sampleRecords.PresenceCommand, key }, at: { partition: 0, offset: String(offset) } });

/** Applies commands in order, marking each done, and throws on the first whose key says so. */
function processor(applied: string[], fail: (key: string) => Error | null) {
  return async (items: Consumed[], control: BatchControl) => {
    for (const { command, at } of items) {
      const err = fail(command.key ?? '');
      if (err) throw err;
      applied.push(command.key ?? '');
      control.done(at.offset);
    }
    return true;
  };
}

describe('applyBatch', () => {
  it('skips the poison command, applies the ones after it, and marks every offset done', async () => {
    const { records, control, done, skipped } = setup();
    const applied: string[] = [];
    const batch = [item('a', 10), item('poison', 11), item('b', 12), item('c', 13)];
    const ok = await applyBatch(batch, processor(applied, (k) => (k === 'poison' ? new TypeError('meta is not an object') : null)), control, records);
    expect(ok).toBe(true);
    expect(applied).toEqual(['a', 'b', 'c']);
    expect(done).toEqual(['10', '11', '12', '13']);
    expect(skipped).toEqual(['handler_error']);
  });

  it('throws a retryable failure so the batch is retried from the last done offset, skipping nothing', async () => {
    const { records, control, done, skipped } = setup();
    const down = new RealtimeError(ErrorCodes.RedisUnavailable, 'redis down', { retryable: true });
    const applied: string[] = [];
    await expect(applyBatch([item('a', 1), item('b', 2)], processor(applied, (k) => (k === 'b' ? down : null)), control, records)).rejects.toBe(down);
    expect(done).toEqual(['1']);
    expect(skipped).toEqual([]);
  });
});
