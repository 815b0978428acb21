// The tenant's max_events_per_second applied to its database broadcasts the way the reference
// applies it (docs/PROTOCOL.md §9): a rate counter (5 s buckets, 12 of them, @realtime/schemas) counts them,
// and while it is tripped they are consumed and dropped; between ticks they all go out, so a
// transaction of a few hundred realtime.send calls is delivered whole. Counted on commit time,
// not the worker's clock: the stream stays pure, and a replay after a restart judges the same way
// (the count starts over, as the reference's counter does on a restart). The gateways drop them
// too while the tenant's whole events count (messages and deliveries) is over the limit.
//
// One guard the reference does not have: a single tick admits at most a full window's worth
// (limit × 60 s), which would trip the counter anyway; past that, one transaction of a million
// realtime.send calls would fill realtime.broadcast that every gateway reads for every tenant.
import { RateCounter, referenceRateShape } from '@realtime/schemas';

const WINDOW_SECONDS = (referenceRateShape.tickMs / 1000) * referenceRateShape.maxBuckets;

export class BroadcastRate {
  readonly #max: number;
  #counter: RateCounter | null = null;
  /** Commit time (ms) the counter has reached: a clock that steps back counts at this time. */
  #at = 0;
  #tick = -1;
  #inTick = 0;

  constructor(maxPerSecond: number) {
    this.#max = maxPerSecond;
  }

  /** How many of `n` broadcasts committed at `commitTimestampUs` go out; the caller drops the rest. */
  admit(commitTimestampUs: bigint, n: number): number {
    this.#at = Math.max(this.#at, Number(commitTimestampUs / 1000n));
    const counter = (this.#counter ??= new RateCounter(this.#at, this.#max));
    if (counter.triggered(this.#at)) return 0;
    const tick = Math.floor(this.#at / referenceRateShape.tickMs);
    if (tick !== this.#tick) {
      this.#tick = tick;
      this.#inTick = 0;
    }
    const fit = Math.max(0, Math.min(n, this.#max * WINDOW_SECONDS - this.#inTick));
    this.#inTick += fit;
    counter.add(this.#at, fit);
    return fit;
  }
}
