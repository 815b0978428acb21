import { describe, expect, it } from 'vitest';
import { windowQuantile, type Buckets } from './ingest-latency.ts';

const buckets = (counts: number[]): Buckets => [0.001, 0.005, 0.01, Infinity].map((le, i) => ({ le, count: counts[i]! }));

describe('ingest-cdc commit → Kafka quantiles from histogram readings', () => {
  it('takes only what was observed between the readings, interpolating inside the bucket', () => {
    const before = buckets([5, 5, 5, 5]);
    const after = buckets([5, 15, 25, 25]); // 10 in (1, 5] ms, 10 in (5, 10] ms
    expect(windowQuantile(before, after, 0.5)).toBeCloseTo(0.005);
    expect(windowQuantile(before, after, 0.25)).toBeCloseTo(0.003);
    expect(windowQuantile(before, after, 0.99)).toBeCloseTo(0.0098);
  });

  it('is NaN without observations and the last finite bound past it', () => {
    expect(windowQuantile(buckets([1, 1, 1, 1]), buckets([1, 1, 1, 1]), 0.5)).toBeNaN();
    expect(windowQuantile(buckets([0, 0, 0, 0]), buckets([0, 0, 0, 4]), 0.5)).toBe(0.01);
  });
});
