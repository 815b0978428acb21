// Ordered sending on top of kafkajs, for every producer whose records must keep their order.
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import type { RecordOutcome } from './record-outcomes.ts';

export interface OrderedBatchesOptions<T = unknown> {
  /**
   * What a failed batch does to the items queued behind it (those that arrived while it was in
   * flight). 'send' (default): they go out as the next batch, so the failed items are simply
   * dropped, as a lost broadcast is. 'reject': they fail with the same error, unsent, for a caller
   * that retries from its first failure (ingest-cdc replays from the slot): sending them would let
   * later records reach Kafka before the retried earlier ones.
   */
  queuedOnFailure?: 'send' | 'reject';
  /**
   * Bound on what waits behind the batch in flight (while Kafka is down, a send takes as long as
   * kafkajs retries): past `items` or `bytes` (by `sizeOf`), a new item is refused at once with a
   * retryable KafkaUnavailable and `onFull` is called (for a metric). Unbounded when absent.
   */
  queueLimit?: { items: number; bytes: number; sizeOf(item: T): number; onFull?(): void };
}

/** What a sendBatch may resolve with so that each item settles alone (same index as the batch). */
export interface ItemFailures {
  readonly itemErrors: ReadonlyArray<unknown>;
}

/** ItemFailures from AvroProducer.sendEach's outcomes. */
export function itemFailures(outcomes: readonly RecordOutcome[]): ItemFailures {
  return { itemErrors: outcomes.map((o) => (o.ok ? undefined : o.error)) };
}

const isItemFailures = (v: unknown): v is ItemFailures => typeof v === 'object' && v !== null && Array.isArray((v as ItemFailures).itemErrors);

/**
 * Concurrent kafkajs sends may overtake each other, which would reorder a channel's messages. So
 * one send is in flight at a time, and whatever arrives meanwhile goes out as the next batch:
 * order is kept and a busy gateway sends fewer, larger requests.
 */
export function orderedBatches<T>(sendBatch: (batch: T[]) => Promise<unknown>, options: OrderedBatchesOptions<T> = {}): (item: T) => Promise<void> {
  let pending: Array<{ item: T; bytes: number; done: (err?: unknown) => void }> = [];
  let pendingBytes = 0;
  let flushing = false;
  const limit = options.queueLimit;
  const flush = async () => {
    flushing = true;
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      pendingBytes = 0;
      try {
        const result = await sendBatch(batch.map((p) => p.item));
        const errors = isItemFailures(result) ? result.itemErrors : [];
        batch.forEach((p, i) => p.done(errors[i]));
      } catch (err) {
        const failed = options.queuedOnFailure === 'reject' ? [...batch, ...pending.splice(0)] : batch;
        if (options.queuedOnFailure === 'reject') pendingBytes = 0;
        for (const p of failed) p.done(err);
      }
    }
    flushing = false;
  };
  return (item) =>
    new Promise<void>((resolve, reject) => {
      const bytes = limit ? limit.sizeOf(item) : 0;
      if (limit && pending.length > 0 && (pending.length >= limit.items || pendingBytes + bytes > limit.bytes)) {
        limit.onFull?.();
        return reject(new RealtimeError(ErrorCodes.KafkaUnavailable, `send queue full (${pending.length} items, ${pendingBytes} bytes): dropped`, { retryable: true }));
      }
      pendingBytes += bytes;
      pending.push({ item, bytes, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!flushing) void flush();
    });
}
