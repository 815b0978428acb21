// The tenant's max_events_per_second applied to its database broadcasts (docs/PROTOCOL.md §4: the
// events limit applies to them too). Counted per second of commit time, not of the worker's clock:
// the stream stays pure, and one transaction of a million realtime.send calls is one second's worth,
// of which only the limit goes out. The rest is skipped here, before it fills realtime.broadcast
// that every gateway reads for every tenant. After a restart from the slot the count starts over.
export class BroadcastRate {
  readonly #max: number;
  #second = -1n;
  #count = 0;

  constructor(maxPerSecond: number) {
    this.#max = maxPerSecond;
  }

  /** How many of `n` broadcasts committed at `commitTimestampUs` fit; the caller drops the rest. */
  admit(commitTimestampUs: bigint, n: number): number {
    const second = commitTimestampUs / 1_000_000n;
    // A commit clock that steps back counts into the current second: never a fresh allowance.
    if (second > this.#second) {
      this.#second = second;
      this.#count = 0;
    }
    const fit = Math.max(0, Math.min(n, this.#max - this.#count));
    this.#count += fit;
    return fit;
  }
}
