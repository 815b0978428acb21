// The reference's rate counter (docs/PROTOCOL.md §9, [R] rate_counter.ex with the tick and bucket count of
// tenants.ex), shared by the gateway's local limits and the ratelimiter's global ones so both
// judge a tenant the same way:
// - counts go into one bucket per 5 s tick; the newest 12 buckets are kept (60 s);
// - at each tick avg = sum / buckets / 5, over the buckets there are (fewer while young);
// - the limit trips at a tick when avg >= limit and clears at a tick when avg < limit, so
//   between ticks the state holds still (a decision can lag by up to one tick).
// A page that joins 150 channels at once is one bucket of 150 (30/s at most), not 150/s.
//
// Ticks are applied lazily from the caller's clock (`now`), so the counter needs no timer and a
// fake clock drives it in tests; catching up costs at most `maxBuckets + 1` steps.

export interface RateShape {
  tickMs: number;
  maxBuckets: number;
  /** Idle this long with nothing counted, the counter starts over (the reference stops it). */
  idleMs: number;
}

/** tenants.ex: `tick: :timer.seconds(5), max_bucket_len: 12`; idle shutdown after 10 min. */
export const referenceRateShape: RateShape = { tickMs: 5_000, maxBuckets: 12, idleMs: 600_000 };

export class RateCounter {
  readonly #shape: RateShape;
  limit: number;
  #buckets: number[] = [];
  #pending = 0;
  #nextTick = 0;
  #lastCountAt = 0;
  #avg = 0;
  #triggered = false;

  constructor(now: number, limit: number, shape: RateShape = referenceRateShape) {
    this.#shape = shape;
    this.limit = limit;
    this.#start(now);
  }

  /** Counts `n` at `now` (into the bucket of the tick in progress). */
  add(now: number, n = 1): void {
    this.#advance(now);
    this.#pending += n;
    if (n > 0) this.#lastCountAt = now;
  }

  /** The average per second as of the last tick. */
  avg(now: number): number {
    this.#advance(now);
    return this.#avg;
  }

  /** Whether the limit is tripped, as decided at the last tick. */
  triggered(now: number): boolean {
    this.#advance(now);
    return this.#triggered;
  }

  /** Ticks completed since the counter (re)started; 1 right after the start tick. */
  get ticks(): number {
    return this.#buckets.length;
  }

  #start(now: number): void {
    // The reference's first tick runs as the counter starts: an empty first bucket.
    this.#buckets = [0];
    this.#pending = 0;
    this.#avg = 0;
    this.#triggered = false;
    this.#lastCountAt = now;
    this.#nextTick = now + this.#shape.tickMs;
  }

  #advance(now: number): void {
    const { tickMs, maxBuckets, idleMs } = this.#shape;
    if (now < this.#nextTick) return;
    if (now - this.#lastCountAt >= Math.max(idleMs, tickMs * (maxBuckets + 1))) {
      this.#start(now); // nothing counted for that long: every bucket would be zero anyway
      return;
    }
    for (let steps = 0; now >= this.#nextTick; steps++) {
      if (steps > maxBuckets) {
        // every bucket is zero by now and stays so: skip the remaining ticks at once
        this.#nextTick += Math.floor((now - this.#nextTick) / tickMs + 1) * tickMs;
        break;
      }
      this.#tick();
      this.#nextTick += tickMs;
    }
  }

  #tick(): void {
    this.#buckets.unshift(this.#pending);
    this.#pending = 0;
    if (this.#buckets.length > this.#shape.maxBuckets) this.#buckets.length = this.#shape.maxBuckets;
    let sum = 0;
    for (const b of this.#buckets) sum += b;
    this.#avg = sum / this.#buckets.length / (this.#shape.tickMs / 1000);
    // trips when avg >= limit, clears when avg < limit: both read off this one comparison
    this.#triggered = this.#avg >= this.limit;
  }
}

/**
 * A token bucket for bytes: refills at `perSecond`, holds at most `burst`. Used for
 * max_bytes_per_second, which the reference stores but never enforces: with a burst of at least
 * the largest message the size limit admits, one message never trips it on its own, while a
 * sustained stream above the rate does.
 */
export class TokenBucket {
  perSecond: number;
  burst: number;
  #tokens: number;
  #at: number;

  constructor(now: number, perSecond: number, burst: number) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.#tokens = burst;
    this.#at = now;
  }

  /** Takes `amount`; false (nothing taken) when fewer tokens are left. */
  take(now: number, amount: number): boolean {
    this.#refill(now);
    if (amount > this.#tokens) return false;
    this.#tokens -= amount;
    return true;
  }

  /** Takes `amount` whatever is left (may go below zero: a debt the refill pays back). */
  spend(now: number, amount: number): void {
    this.#refill(now);
    this.#tokens -= amount;
  }

  tokens(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  #refill(now: number): void {
    if (now > this.#at) this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.perSecond);
    this.#at = Math.max(this.#at, now);
  }
}

/** The burst of a tenant's byte bucket: its rate, or the largest payload its size limit admits. */
export function byteBurst(maxBytesPerSecond: number, maxPayloadSizeInKb: number): number {
  return Math.max(maxBytesPerSecond, maxPayloadSizeInKb * 1000 + 500);
}
