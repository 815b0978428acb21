// How many recoveries read Kafka at once on this gateway (GATEWAY_RECOVERY_CONCURRENCY), with a
// bounded line of waiting ones: past it a recovery is refused at once (`unavailable`), so a storm
// of rejoins holds neither memory nor sockets' time without limit.
export class Semaphore {
  readonly #limit: number;
  readonly #maxWaiting: number;
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number, maxWaiting: number) {
    this.#limit = Math.max(1, limit);
    this.#maxWaiting = Math.max(0, maxWaiting);
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** A release function once a slot is free; null at once when the line is full. */
  acquire(): Promise<() => void> | null {
    if (this.#running < this.#limit) {
      this.#running++;
      return Promise.resolve(this.#release());
    }
    if (this.#waiting.length >= this.#maxWaiting) return null;
    return new Promise((resolve) => this.#waiting.push(() => resolve(this.#release())));
  }

  #release(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next(); // the slot passes on: running stays the same
      else this.#running--;
    };
  }
}
