// A sliding window kept as a fixed ring of buckets: adding and summing cost O(buckets), never
// O(events), so a client that sends a million events in a second costs the same per event as
// one that sends ten (docs/DEVELOPING.md, "bounded by construction"). The window is approximate
// by at most one bucket: it covers between `windowMs - bucketMs` and `windowMs` of the past.

export class Buckets {
  readonly #bucketMs: number;
  readonly #sums: Float64Array;
  /** Index (time / bucketMs) each slot currently holds; a slot from an older lap is stale. */
  readonly #epochs: Float64Array;

  constructor(windowMs: number, count: number) {
    this.#bucketMs = windowMs / count;
    this.#sums = new Float64Array(count);
    this.#epochs = new Float64Array(count).fill(-Infinity);
  }

  add(now: number, amount: number): void {
    const epoch = Math.floor(now / this.#bucketMs);
    const slot = epoch % this.#sums.length;
    if (this.#epochs[slot] !== epoch) {
      this.#epochs[slot] = epoch;
      this.#sums[slot] = 0;
    }
    this.#sums[slot]! += amount;
  }

  /** Sum of the buckets still inside the window at `now`. */
  total(now: number): number {
    const oldest = Math.floor(now / this.#bucketMs) - this.#sums.length;
    let sum = 0;
    for (let i = 0; i < this.#sums.length; i++) if (this.#epochs[i]! > oldest) sum += this.#sums[i]!;
    return sum;
  }
}
