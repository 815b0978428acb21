// The ingest side of P5: ingest-cdc's own commit → Kafka-acknowledgement histogram
// (realtime_cdc_commit_to_publish_seconds, commit timestamp from the tenant database's clock on the
// same machine), read from its /metrics before and after a window. Quantiles are interpolated
// linearly inside the bucket they fall in, so they are as fine as the buckets (1 ms, 2.5 ms, …).
import type { BenchEnv } from './env.ts';
import { sign } from '../support.ts';

const HISTOGRAM = 'realtime_cdc_commit_to_publish_seconds';

/** Cumulative counts by upper bound (seconds; Infinity for +Inf), ascending. */
export type Buckets = Array<{ le: number; count: number }>;

/** The ingest-cdc worker now running: P4 replaces the stack's first one with a new process. */
let replaced: { url: string } | null = null;
export function ingestCdcReplaced(worker: { url: string }): void {
  replaced = worker;
}

export async function readCommitToKafka(env: BenchEnv): Promise<Buckets> {
  const worker = replaced ?? env.stack.ingestCdc;
  if (!worker) return [];
  const res = await fetch(`${worker.url}/metrics`, { headers: { authorization: `Bearer ${await sign(env.stack.metricsJwtSecret, {})}` } });
  const text = await res.text();
  const buckets: Buckets = [];
  for (const m of text.matchAll(new RegExp(`^${HISTOGRAM}_bucket\\{le="([^"]+)"[^}]*\\} (\\d+)$`, 'gm'))) {
    buckets.push({ le: m[1] === '+Inf' ? Infinity : Number(m[1]), count: Number(m[2]) });
  }
  return buckets.sort((a, b) => a.le - b.le);
}

/** The `q` quantile (0..1) in seconds of what was observed between the two readings; NaN when nothing was. */
export function windowQuantile(before: Buckets, after: Buckets, q: number): number {
  const counts = after.map((b, i) => ({ le: b.le, count: b.count - (before[i]?.count ?? 0) }));
  const total = counts.at(-1)?.count ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const { le, count } of counts) {
    if (count >= rank) return le === Infinity ? lower : lower + ((le - lower) * (rank - below)) / Math.max(1, count - below);
    [lower, below] = [le, count];
  }
  return lower;
}
