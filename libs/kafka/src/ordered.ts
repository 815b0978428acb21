// Ordered sending on top of kafkajs, for every producer whose records must keep their order.
/**
 * Concurrent kafkajs sends may overtake each other, which would reorder a channel's messages. So
 * one send is in flight at a time, and whatever arrives meanwhile goes out as the next batch:
 * order is kept and a busy gateway sends fewer, larger requests.
 */
export function orderedBatches<T>(sendBatch: (batch: T[]) => Promise<unknown>): (item: T) => Promise<void> {
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
        for (const p of batch) p.done(err);
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
