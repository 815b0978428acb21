// The ratelimiter's pure core: usage reports, tenant maxima and the decisions already on
// realtime.limits in; the decision records to publish out. No clock, Kafka or logger inside: the
// caller passes `now` and says which tenants this instance owns (their usage partition is assigned
// to it), so every rule below is unit-tested with plain numbers.
//
// When records go out:
// - a report that moves a limit across its maximum: at once (the gateways must all throttle within
//   2 s; a report is one second of usage, so nothing is gained by waiting for more);
// - a throttled decision: again every `refreshMs`, with a fresh `until`, so a gateway that starts
//   late sees it, and a decision whose ratelimiter died lapses at `until` on its own;
// - a throttle lifts when the rate is back under the maximum, judged on every report and on every
//   tick (a gateway that stops reporting drops out after `staleMs`) — but not during `warmupMs`
//   after this instance was (re)assigned partitions: until every gateway has reported once, a
//   partial sum would lift a throttle that the next report sets again;
// - a tenant gone from realtime.tenants: tombstones for every key it has on realtime.limits.
import type { LimitDecision, UsageReport } from '@realtime/schemas';
import { limitNames, over, under, type LimitName, type PerLimit } from './limits.ts';
import { TenantWindows, type ReportOutcome } from './windows.ts';

export interface Timing {
  /** A window that ended longer ago than this no longer counts. */
  staleMs: number;
  /** A throttled decision is re-published once it is this old (with a 200 ms tick: at least every second). */
  refreshMs: number;
  /** `until` = decided_at + ttlMs on a throttle: when it lapses unless re-published. */
  ttlMs: number;
  /** No throttle lifts for this long after an assignment. */
  warmupMs: number;
}

export const defaultTiming: Timing = { staleMs: 3_000, refreshMs: 800, ttlMs: 3_000, warmupMs: 3_000 };

/** One record for realtime.limits; `decision: null` is a tombstone. */
export interface Emitted {
  tenant: string;
  limit: LimitName;
  decision: LimitDecision | null;
  /** change: throttled flipped (or first decision); refresh: the same throttle again; tombstone. */
  kind: 'change' | 'refresh' | 'tombstone';
}

interface Known {
  throttled: boolean;
  decidedAt: number;
}

const isLimit = (s: string): s is LimitName => (limitNames as readonly string[]).includes(s);

export class Aggregator {
  readonly #timing: Timing;
  readonly #maxima = new Map<string, PerLimit>();
  readonly #windows = new Map<string, TenantWindows>();
  /** The latest decision on realtime.limits per tenant and limit: ours, or read back from the topic. */
  readonly #known = new Map<string, Map<LimitName, Known>>();
  #liftsFrom = Number.NEGATIVE_INFINITY;

  constructor(timing: Partial<Timing> = {}) {
    this.#timing = { ...defaultTiming, ...timing };
  }

  /** A tenant's maxima from realtime.tenants; null = deleted (the next tick tombstones its keys). */
  setTenant(tenant: string, maxima: PerLimit | null): void {
    if (maxima) this.#maxima.set(tenant, maxima);
    else this.#maxima.delete(tenant);
  }

  /** A record read from realtime.limits (our own echo, another instance's, or history at start). */
  observe(tenant: string, limit: string, decision: LimitDecision | null): void {
    if (!isLimit(limit)) return;
    const known = this.#known.get(tenant);
    if (decision === null) {
      known?.delete(limit);
      if (known?.size === 0) this.#known.delete(tenant);
      return;
    }
    // an echo of an older record of ours must not undo a newer one
    if ((known?.get(limit)?.decidedAt ?? Number.NEGATIVE_INFINITY) > decision.decided_at) return;
    this.#knownOf(tenant).set(limit, { throttled: decision.throttled, decidedAt: decision.decided_at });
  }

  /** This instance was (re)assigned usage partitions at `now`. */
  assigned(now: number): void {
    this.#liftsFrom = now + this.#timing.warmupMs;
  }

  report(report: UsageReport, now: number): { outcome: ReportOutcome; emitted: Emitted[] } {
    let windows = this.#windows.get(report.tenant);
    if (!windows) this.#windows.set(report.tenant, (windows = new TenantWindows()));
    const outcome = windows.add(report, now, this.#timing.staleMs);
    if (outcome !== 'counted') {
      if (windows.size === 0) this.#windows.delete(report.tenant);
      return { outcome, emitted: [] };
    }
    return { outcome, emitted: this.#evaluate(report.tenant, now) };
  }

  /** Re-evaluates every tenant this instance owns; forgets the windows of the others. */
  tick(now: number, owns: (tenant: string) => boolean): Emitted[] {
    const out: Emitted[] = [];
    for (const tenant of new Set([...this.#windows.keys(), ...this.#known.keys()])) {
      if (!owns(tenant)) this.#windows.delete(tenant);
      else if (!this.#maxima.has(tenant)) out.push(...this.#tombstones(tenant));
      else out.push(...this.#evaluate(tenant, now));
    }
    return out;
  }

  /** The current global rates of a tenant (for logs and tests). */
  rates(tenant: string, now: number): PerLimit | undefined {
    const windows = this.#windows.get(tenant);
    windows?.prune(now, this.#timing.staleMs);
    return windows?.rates();
  }

  #evaluate(tenant: string, now: number): Emitted[] {
    const windows = this.#windows.get(tenant);
    windows?.prune(now, this.#timing.staleMs);
    if (windows?.size === 0) this.#windows.delete(tenant);
    const maxima = this.#maxima.get(tenant);
    if (!maxima) return [];
    const rates = windows?.rates();
    const out: Emitted[] = [];
    for (const limit of limitNames) {
      const known = this.#known.get(tenant)?.get(limit);
      const rate = rates?.[limit] ?? 0;
      const max = maxima[limit];
      if (!known?.throttled) {
        if (over(limit, rate, max)) out.push(this.#decide(tenant, limit, true, rate, max, now, 'change'));
      } else if (under(rate, max) && now >= this.#liftsFrom) {
        out.push(this.#decide(tenant, limit, false, rate, max, now, 'change'));
      } else if (now - known.decidedAt >= this.#timing.refreshMs) {
        out.push(this.#decide(tenant, limit, true, rate, max, now, 'refresh'));
      }
    }
    return out;
  }

  #decide(tenant: string, limit: LimitName, throttled: boolean, rate: number, max: number, now: number, kind: Emitted['kind']): Emitted {
    this.#knownOf(tenant).set(limit, { throttled, decidedAt: now });
    const until = throttled ? now + this.#timing.ttlMs : null;
    return { tenant, limit, kind, decision: { tenant, limit, throttled, rate, max, until, decided_at: now } };
  }

  #tombstones(tenant: string): Emitted[] {
    this.#windows.delete(tenant);
    const known = this.#known.get(tenant);
    this.#known.delete(tenant);
    return [...(known?.keys() ?? [])].map((limit) => ({ tenant, limit, decision: null, kind: 'tombstone' as const }));
  }

  #knownOf(tenant: string): Map<LimitName, Known> {
    let known = this.#known.get(tenant);
    if (!known) this.#known.set(tenant, (known = new Map()));
    return known;
  }
}
