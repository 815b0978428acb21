// The ratelimiter's pure core: usage reports, tenant maxima and the decisions already on
// realtime.limits in; the decision records to publish out. No clock, Kafka or logger inside: the
// caller passes `now` and says which tenants this instance owns (their usage partition is assigned
// to it), so every rule below is unit-tested with plain numbers.
//
// How each limit is judged (the reference's rate counters, docs/PROTOCOL.md §9, summed over the gateways):
// - joins, events (events_in + events_out: every inbound message and every frame delivered, as the
//   reference counts them) and presence events go into one rate counter per tenant: 5 s buckets,
//   12 of them; joins and events throttle from the tick where avg >= max until a tick where
//   avg < max; presence throttles while avg > max (the reference's presence check);
// - bytes_per_second (stored, never enforced by the reference): a token bucket refilled at the
//   maximum whose burst admits the largest message the tenant's size limit admits;
// - concurrent_users: the gateways' gauges summed, at or above the maximum.
//
// When records go out:
// - a limit that crosses its maximum: at once when judged, on every report and every tick of the
//   caller (a rate counter moves only at its own 5 s ticks, so a rate crossing can lag by up to one
//   of those, as in the reference; users and bytes move with each report);
// - a throttled decision: again every `refreshMs`, with a fresh `until`, so a gateway that starts
//   late sees it, and a decision whose ratelimiter died lapses at `until` on its own;
// - a throttle lifts when the limit is judged back under its maximum (a gateway that stops
//   reporting drops out of the users sum after `staleMs`) — but not during `warmupMs` after this
//   instance was (re)assigned partitions, nor from a rate counter that has not ticked since it
//   started: a partial view would lift a throttle that the next report sets again;
// - a tenant gone from realtime.tenants: tombstones for every key it has on realtime.limits.
import { RateCounter, TokenBucket, type LimitDecision, type UsageReport } from '@realtime/schemas';
import { limitNames, type LimitName, type PerLimit } from './limits.ts';
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

interface Counters {
  events_per_second: RateCounter;
  joins_per_second: RateCounter;
  presence_events_per_second: RateCounter;
  bytes: TokenBucket;
}

const isLimit = (s: string): s is LimitName => (limitNames as readonly string[]).includes(s);

export class Aggregator {
  readonly #timing: Timing;
  readonly #maxima = new Map<string, PerLimit>();
  readonly #windows = new Map<string, TenantWindows>();
  /** The latest decision on realtime.limits per tenant and limit: ours, or read back from the topic. */
  readonly #known = new Map<string, Map<LimitName, Known>>();
  /** Per tenant: a rate counter per counted limit, and the byte bucket. */
  readonly #counters = new Map<string, Counters>();
  readonly #bursts = new Map<string, number>();
  #liftsFrom = Number.NEGATIVE_INFINITY;

  constructor(timing: Partial<Timing> = {}) {
    this.#timing = { ...defaultTiming, ...timing };
  }

  /** A tenant's maxima from realtime.tenants; null = deleted (the next tick tombstones its keys). */
  setTenant(tenant: string, maxima: PerLimit | null, bytesBurst = maxima?.bytes_per_second ?? 0): void {
    if (maxima) {
      this.#maxima.set(tenant, maxima);
      this.#bursts.set(tenant, Math.max(bytesBurst, maxima.bytes_per_second));
    } else {
      this.#maxima.delete(tenant);
      this.#bursts.delete(tenant);
    }
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
    this.#count(report, now);
    return { outcome, emitted: this.#evaluate(report.tenant, now) };
  }

  /** A counted report's counts go into the tenant's counters and byte bucket. */
  #count(r: UsageReport, now: number): void {
    const maxima = this.#maxima.get(r.tenant);
    if (!maxima) return;
    let c = this.#counters.get(r.tenant);
    if (!c) {
      const burst = this.#bursts.get(r.tenant) ?? maxima.bytes_per_second;
      c = {
        events_per_second: new RateCounter(now, maxima.events_per_second),
        joins_per_second: new RateCounter(now, maxima.joins_per_second),
        presence_events_per_second: new RateCounter(now, maxima.presence_events_per_second),
        bytes: new TokenBucket(now, maxima.bytes_per_second, burst),
      };
      this.#counters.set(r.tenant, c);
    }
    c.events_per_second.add(now, Number(r.events_in) + Number(r.events_out));
    c.joins_per_second.add(now, Number(r.joins));
    c.presence_events_per_second.add(now, Number(r.presence_events));
    c.bytes.spend(now, Number(r.bytes_in));
  }

  /** Re-evaluates every tenant this instance owns; forgets the windows of the others. */
  tick(now: number, owns: (tenant: string) => boolean): Emitted[] {
    const out: Emitted[] = [];
    for (const tenant of new Set([...this.#windows.keys(), ...this.#known.keys(), ...this.#counters.keys()])) {
      if (!owns(tenant)) {
        this.#windows.delete(tenant);
        this.#counters.delete(tenant);
      }
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
      const max = maxima[limit];
      const { rate, over, under } = this.#judge(tenant, limit, rates?.[limit] ?? 0, max, now);
      if (!known?.throttled) {
        if (over) out.push(this.#decide(tenant, limit, true, rate, max, now, 'change'));
      } else if (under && now >= this.#liftsFrom) {
        out.push(this.#decide(tenant, limit, false, rate, max, now, 'change'));
      } else if (now - known.decidedAt >= this.#timing.refreshMs) {
        out.push(this.#decide(tenant, limit, true, rate, max, now, 'refresh'));
      }
    }
    return out;
  }

  /** Whether `limit` calls for a throttle (over) or lets one lift (under), and the rate to report. */
  #judge(tenant: string, limit: LimitName, windowRate: number, max: number, now: number): { rate: number; over: boolean; under: boolean } {
    if (limit === 'concurrent_users') return { rate: windowRate, over: windowRate >= max, under: windowRate < max };
    const c = this.#counters.get(tenant);
    if (limit === 'bytes_per_second') {
      if (!c) return { rate: windowRate, over: false, under: true };
      c.bytes.perSecond = max;
      const overdrawn = c.bytes.tokens(now) < 0;
      return { rate: windowRate, over: overdrawn, under: !overdrawn };
    }
    const counter = c?.[limit];
    if (!counter) return { rate: 0, over: false, under: true };
    counter.limit = max;
    const avg = counter.avg(now);
    const over = limit === 'presence_events_per_second' ? avg > max : counter.triggered(now);
    // A counter that has not completed a tick since it started knows nothing yet: it lifts nothing
    // (a throttle read back after a restart stays until the first tick says otherwise).
    return { rate: avg, over, under: !over && counter.ticks > 1 };
  }

  #decide(tenant: string, limit: LimitName, throttled: boolean, rate: number, max: number, now: number, kind: Emitted['kind']): Emitted {
    this.#knownOf(tenant).set(limit, { throttled, decidedAt: now });
    const until = throttled ? now + this.#timing.ttlMs : null;
    return { tenant, limit, kind, decision: { tenant, limit, throttled, rate, max, until, decided_at: now } };
  }

  #tombstones(tenant: string): Emitted[] {
    this.#windows.delete(tenant);
    this.#counters.delete(tenant);
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
