// Ordered sending on top of kafkajs, for every producer whose records must keep their order.

export interface OrderedBatchesOptions {
  /**
   * What a failed batch does to the items queued behind it (those that arrived while it was in
   * flight). 'send' (default): they go out as the next batch, so the failed items are simply
   * dropped, as a lost broadcast is. 'reject': they fail with the same error, unsent, for a caller
   * that retries from its first failure (ingest-cdc replays from the slot): sending them would let
   * later records reach Kafka before the retried earlier ones.
   */
  queuedOnFailure?: 'send' | 'reject';
}

/**
 * Concurrent kafkajs sends may overtake each other, which would reorder a channel's messages. So
 * one send is in flight at a time, and whatever arrives meanwhile goes out as the next batch:
 * order is kept and a busy gateway sends fewer, larger requests.
 */
export function orderedBatches<T>(sendBatch: (batch: T[]) => Promise<unknown>, options: OrderedBatchesOptions = {}): (item: T) => Promise<void> {
  let pending: Array<{ item: T; done: (err?: unknown) => void }> = [];
  let flushing = false;
  const flush = async () => {
    flushing = true;
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      try {
        await sendBatch(batch.map((p) => p.item));
        for (const p of batch) p.done();
      } catch (err) {
        const failed = options.queuedOnFailure === 'reject' ? [...batch, ...pending.splice(0)] : batch;
        for (const p of failed) p.done(err);
      }
    }
    flushing = false;
  };
  return (item) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ item, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!flushing) void flush();
    });
}
