// One tenant's usage as the gateways last reported it: the latest window of each gateway (node),
// summed into the tenant's global rates. Windows are judged by their end time, on the gateway's
// clock against ours: a window that ended more than `staleMs` ago no longer counts, so a gateway
// that stops reporting drops out and a backlog replayed after a restart is ignored (clocks are
// assumed NTP-synchronised, well within a second).
import type { UsageReport } from '@realtime/schemas';
import { limitNames, sources, type PerLimit } from './limits.ts';

export type ReportOutcome = 'counted' | 'stale' | 'superseded' | 'invalid';

export const windowEnd = (r: UsageReport): number => r.window_start + r.window_ms;

export class TenantWindows {
  readonly #byNode = new Map<string, UsageReport>();

  get size(): number {
    return this.#byNode.size;
  }

  add(report: UsageReport, now: number, staleMs: number): ReportOutcome {
    if (!(report.window_ms > 0) || limitNames.some((l) => !(Number(report[sources[l].field]) >= 0))) return 'invalid';
    if (now - windowEnd(report) > staleMs) return 'stale';
    const previous = this.#byNode.get(report.node);
    // a gateway's windows can arrive out of order after a producer retry: keep the newest
    if (previous && previous.window_start > report.window_start) return 'superseded';
    this.#byNode.set(report.node, report);
    return 'counted';
  }

  /** Drops the windows that ended more than `staleMs` before `now`. */
  prune(now: number, staleMs: number): void {
    for (const [node, r] of this.#byNode) if (now - windowEnd(r) > staleMs) this.#byNode.delete(node);
  }

  /** The global rates: per-second rates of counts and plain sums of gauges, over the kept windows. */
  rates(): PerLimit {
    const out = Object.fromEntries(limitNames.map((l) => [l, 0])) as PerLimit;
    for (const r of this.#byNode.values()) {
      for (const limit of limitNames) {
        const { field, gauge } = sources[limit];
        const value = Number(r[field]);
        out[limit] += gauge ? value : (value * 1000) / r.window_ms;
      }
    }
    return out;
  }
}
