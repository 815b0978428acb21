// What the benchmarks measure with: a call's mean time, a percentile, a compiled filter.
import { parseFilters } from '../../services/gateway/src/core/postgres-changes/filters.ts';

/** Mean microseconds per call of `fn`, over at least 200 ms. */
export function perCall(fn: () => unknown): number {
  fn();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < 200) {
    fn();
    calls++;
    elapsed = performance.now() - start;
  }
  return (elapsed * 1000) / calls;
}

/** The parsed filters of a postgres_changes `filter` string; throws when it does not parse. */
export function parsedFilters(text: string) {
  const parsed = parseFilters(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.filters;
}

/** The `p` quantile (0..1) of `sorted` (ascending), NaN when it is empty. */
export function quantile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}
