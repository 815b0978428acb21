// Per-tenant rates on this gateway: joins in a one-second window, and message, byte and presence
// averages over five seconds. The global view across gateways (ratelimiter service,
// realtime.limits) comes on top of this; this local share is what keeps being enforced when the
// ratelimiter is away. Every call is O(1) in the number of past events (fixed buckets, see
// buckets.ts); the maps hold one entry per tenant key, so they are bounded by the tenants.
import type { Clock } from '../ports.ts';
import { Buckets } from './buckets.ts';

/** Joins: a one-second window in tenths, so a burst is forgotten within 100 ms of its second. */
const JOIN_WINDOW_MS = 1000;
const JOIN_BUCKETS = 10;
/** Averages: five seconds in half-second buckets (the reference averages its rate counter too). */
const AVERAGE_BUCKETS = 10;

export class LocalLimits {
  readonly #clock: Clock;
  readonly #joins = new Map<string, Buckets>();
  readonly #amounts = new Map<string, { windowMs: number; buckets: Buckets }>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** True when the tenant's joins in the last second reached `perSecond` (nothing recorded). */
  joinsTriggered(tenantId: string, perSecond: number): boolean {
    return (this.#joins.get(tenantId)?.total(this.#clock.now()) ?? 0) >= perSecond;
  }

  /**
   * Records `amount` under `key`; false when the average over the last `windowMs` is above
   * `perSecond`. An average (like the reference's rate counter) lets a short burst through where
   * a one-second window would cut it off; this is this gateway's own share, enforced also when
   * the ratelimiter is away.
   */
  tryAmount(key: string, amount: number, perSecond: number, windowMs = 5000): boolean {
    const now = this.#clock.now();
    const buckets = this.#window(key, windowMs);
    buckets.add(now, amount);
    return buckets.total(now) / (windowMs / 1000) <= perSecond;
  }

  /** The average per second under `key` over the last `windowMs`, without recording anything. */
  rate(key: string, windowMs = 5000): number {
    return (this.#window(key, windowMs).total(this.#clock.now())) / (windowMs / 1000);
  }

  /** Records an event under `key`; false when `key` already had `perSecond` in the last second. */
  tryEvent(key: string, perSecond: number): boolean {
    return this.tryJoin(key, perSecond);
  }

  /** Records a join attempt; false when the tenant is over `perSecond` in the last second. */
  tryJoin(tenantId: string, perSecond: number): boolean {
    const now = this.#clock.now();
    let buckets = this.#joins.get(tenantId);
    if (!buckets) this.#joins.set(tenantId, (buckets = new Buckets(JOIN_WINDOW_MS, JOIN_BUCKETS)));
    if (buckets.total(now) >= perSecond) return false;
    buckets.add(now, 1);
    return true;
  }

  #window(key: string, windowMs: number): Buckets {
    let entry = this.#amounts.get(key);
    if (!entry || entry.windowMs !== windowMs) {
      entry = { windowMs, buckets: new Buckets(windowMs, AVERAGE_BUCKETS) };
      this.#amounts.set(key, entry);
    }
    return entry.buckets;
  }
}
