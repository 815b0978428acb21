import { describe, expect, it } from 'vitest';
import { byteBurst, RateCounter, TokenBucket } from './rate-counter.ts';

const T0 = 1_700_000_000_000;

describe('rate counter (reference shape: 5 s ticks, 12 buckets)', () => {
  it('averages a burst over the buckets there are: 150 joins at once stay under 100/s', () => {
    const c = new RateCounter(T0, 100);
    c.add(T0 + 10, 150);
    expect(c.triggered(T0 + 4_999)).toBe(false); // nothing decided before the tick
    expect(c.avg(T0 + 5_000)).toBe(15); // [150, 0] → 150 / 2 / 5
    expect(c.triggered(T0 + 5_000)).toBe(false);
  });

  it('trips at the tick where avg >= limit, holds between ticks, clears when avg < limit', () => {
    const c = new RateCounter(T0, 10);
    c.add(T0 + 1_000, 99);
    expect(c.triggered(T0 + 5_000)).toBe(false); // 99 / 2 / 5 = 9.9
    c.add(T0 + 5_001, 81);
    expect(c.triggered(T0 + 9_999)).toBe(false);
    expect(c.avg(T0 + 10_000)).toBe(12); // [81, 99, 0] → 180 / 3 / 5
    expect(c.triggered(T0 + 10_000)).toBe(true);
    expect(c.triggered(T0 + 14_999)).toBe(true);
    // quiet: [0, 81, 99, 0] → 9/s
    expect(c.avg(T0 + 15_000)).toBe(9);
    expect(c.triggered(T0 + 15_000)).toBe(false);
  });

  it('trips on exactly the limit (>=), like the reference', () => {
    const c = new RateCounter(T0, 10);
    c.add(T0, 100);
    expect(c.triggered(T0 + 5_000)).toBe(true); // 100 / 2 / 5 = 10
  });

  it('keeps 12 buckets: a minute later a burst no longer counts', () => {
    const c = new RateCounter(T0, 10);
    c.add(T0, 1_000);
    expect(c.triggered(T0 + 5_000)).toBe(true);
    expect(c.triggered(T0 + 55_000)).toBe(true); // 1000 / 12 / 5 ≈ 16.7
    expect(c.ticks).toBe(12);
    expect(c.triggered(T0 + 60_000)).toBe(true); // the start bucket left; the burst's is the 12th
    expect(c.avg(T0 + 65_000)).toBe(0); // now the burst's bucket left the window too
    expect(c.triggered(T0 + 65_000)).toBe(false);
  });

  it('sustained counts above the limit trip it within a couple of ticks', () => {
    const c = new RateCounter(T0, 10);
    let firstTripped = -1;
    for (let t = 0; t < 30_000 && firstTripped < 0; t += 50) { // 20/s
      c.add(T0 + t);
      if (c.triggered(T0 + t)) firstTripped = t;
    }
    expect(firstTripped).toBe(5_000); // [100, 0] → 10/s
  });

  it('catches up over a long gap in bounded steps, and starts over after idling', () => {
    const c = new RateCounter(T0, 10);
    c.add(T0, 500);
    expect(c.triggered(T0 + 5_000)).toBe(true);
    expect(c.triggered(T0 + 3_600_000)).toBe(false);
    expect(c.ticks).toBe(1); // idle for 10 min: a fresh counter, like the reference's restart
  });
});

describe('token bucket', () => {
  it('admits a burst up to its size, then the rate', () => {
    const b = new TokenBucket(T0, 100_000, byteBurst(100_000, 3_000));
    expect(b.take(T0, 600_000)).toBe(true); // a 600 KB message on default limits
    expect(b.take(T0, 2_400_500)).toBe(true);
    expect(b.take(T0, 1)).toBe(false);
    expect(b.take(T0 + 1_000, 100_000)).toBe(true);
    expect(b.take(T0 + 1_000, 1)).toBe(false);
    b.spend(T0 + 1_000, 50_000);
    expect(b.tokens(T0 + 1_000)).toBe(-50_000);
    expect(b.tokens(T0 + 3_000)).toBe(150_000);
  });

  it('burst is the rate or the largest payload the size limit admits', () => {
    expect(byteBurst(100_000, 3_000)).toBe(3_000_500);
    expect(byteBurst(10_000_000, 1)).toBe(10_000_000);
  });
});
