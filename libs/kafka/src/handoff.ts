// A bounded queue from a pushing producer (kafkajs's eachMessage) to a pulling consumer (an async
// iterator). put() waits while the queue is full, so a slow reader (an HTTP client, a pipe) slows
// the fetches instead of growing memory; close() releases both sides at once.
export type Taken<T> = { done: false; value: T } | { done: true };

export class Handoff<T> {
  readonly #capacity: number;
  #items: T[] = [];
  #ended = false;
  #closed = false;
  #error: unknown = undefined;
  #waiters: (() => void)[] = [];

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** False when the queue was ended or closed: the item is dropped. */
  async put(item: T): Promise<boolean> {
    while (!this.#ended && !this.#closed && this.#items.length >= this.#capacity) await this.#changed();
    if (this.#ended || this.#closed) return false;
    this.#items.push(item);
    this.#notify();
    return true;
  }

  /** Buffered items first; then done, or the error end() was given. */
  async take(): Promise<Taken<T>> {
    while (this.#items.length === 0 && !this.#ended && !this.#closed) await this.#changed();
    if (this.#items.length > 0) {
      const value = this.#items.shift() as T;
      this.#notify();
      return { done: false, value };
    }
    if (this.#error !== undefined && !this.#closed) throw this.#error;
    return { done: true };
  }

  /** No more items; with an error, take() throws it once the buffer is drained. */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#notify();
  }

  /** Drops everything; pending and later put()/take() return at once. */
  close(): void {
    this.#closed = true;
    this.#items = [];
    this.#notify();
  }

  #changed(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #notify(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
