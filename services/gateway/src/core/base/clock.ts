// Time as the core sees it: the system clock in production, a manual one in tests (test/support.ts),
// so timeouts and rate windows are tested without sleeping (docs/STYLE.md §11).
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { cancel(): void };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};
