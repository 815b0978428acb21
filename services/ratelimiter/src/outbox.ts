// Between the core and Kafka: decisions are queued per key (tenant, limit), latest wins, and sent
// one request at a time. The consumer never waits for a produce, so a slow or failing Kafka write
// cannot hold back the reports that would change the decision; a failed send is retried with
// whatever is newest for each of its keys by then (a throttle that flipped meanwhile is not sent
// twice, and an un-throttle is never lost behind a refresh).
import type { Emitted } from './core/aggregate.ts';
import type { DecisionSink } from './ports.ts';

export interface OutboxOptions {
  sink: DecisionSink;
  /** Called with each failed send; the records are retried after `retryMs`. */
  onError(err: unknown, records: number): void;
  retryMs?: number;
}

export class DecisionOutbox {
  readonly #options: OutboxOptions;
  readonly #pending = new Map<string, Emitted>();
  #running: Promise<void> | null = null;
  #closed = false;
  #wake: (() => void) | null = null;

  constructor(options: OutboxOptions) {
    this.#options = options;
  }

  get pending(): number {
    return this.#pending.size;
  }

  push(records: Emitted[]): void {
    if (this.#closed) return;
    for (const r of records) {
      const key = `${r.tenant}\u0000${r.limit}`;
      this.#pending.delete(key); // re-inserted at the end: keys go out in the order they last changed
      this.#pending.set(key, r);
    }
    if (this.#pending.size > 0) this.#running ??= this.#drain().finally(() => (this.#running = null));
  }

  /** Sends what is queued (one attempt for a failing batch), then stops accepting records. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await this.#running;
    this.#pending.clear();
  }

  async #drain(): Promise<void> {
    while (this.#pending.size > 0) {
      const batch = [...this.#pending.entries()];
      this.#pending.clear();
      try {
        await this.#options.sink.publish(batch.map(([, r]) => r));
      } catch (err) {
        this.#options.onError(err, batch.length);
        // keep the newer record where one was queued while this batch was in flight
        for (const [key, r] of batch) if (!this.#pending.has(key)) this.#pending.set(key, r);
        if (this.#closed) return;
        // closing cuts the wait short: the retry gets one more attempt
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#options.retryMs ?? 250);
          this.#wake = () => (clearTimeout(timer), resolve());
        });
        this.#wake = null;
      }
    }
  }
}
