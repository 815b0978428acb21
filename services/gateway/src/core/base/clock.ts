// Time as the core sees it: the system clock in production, a manual one in tests (test/support.ts),
// so timeouts and rate windows are tested without sleeping (docs/STYLE.md §11).
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

/**
 * A class rather than `{ cancel: () => clearTimeout(t) }`: every channel holds one of these (its
 * token's expiry), and a closure with its context per timer is about 100 bytes more (issue 11, P3).
 */
class SystemTimer {
  readonly #timer: ReturnType<typeof setTimeout>;

  constructor(fn: () => void, ms: number) {
    this.#timer = setTimeout(fn, ms);
    this.#timer.unref?.();
  }

  cancel(): void {
    clearTimeout(this.#timer);
  }
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => new SystemTimer(fn, ms),
};
