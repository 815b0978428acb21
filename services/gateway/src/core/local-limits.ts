// Per-tenant join rate on this gateway, in a sliding one-second window. The global view across
// gateways (ratelimiter service, realtime.limits) comes on top of this; this local share is what
// keeps being enforced when the ratelimiter is away.
import type { Clock } from '../ports.ts';

export class LocalLimits {
  readonly #clock: Clock;
  readonly #joins = new Map<string, number[]>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** True when the tenant's joins in the last second reached `perSecond` (nothing recorded). */
  joinsTriggered(tenantId: string, perSecond: number): boolean {
    const now = this.#clock.now();
    return (this.#joins.get(tenantId) ?? []).filter((t) => now - t < 1000).length >= perSecond;
  }

  readonly #amounts = new Map<string, Array<[number, number]>>();

  /**
   * Records `amount` under `key`; false when the average over the last `windowMs` is above
   * `perSecond`. An average (like the reference's rate counter) lets a short burst through where
   * a one-second window would cut it off; this is this gateway's own share, enforced also when
   * the ratelimiter is away.
   */
  tryAmount(key: string, amount: number, perSecond: number, windowMs = 5000): boolean {
    const now = this.#clock.now();
    const recent = (this.#amounts.get(key) ?? []).filter(([t]) => now - t < windowMs);
    recent.push([now, amount]);
    this.#amounts.set(key, recent);
    return recent.reduce((sum, [, n]) => sum + n, 0) / (windowMs / 1000) <= perSecond;
  }

  /** Records an event under `key`; false when `key` already had `perSecond` in the last second. */
  tryEvent(key: string, perSecond: number): boolean {
    return this.tryJoin(key, perSecond);
  }

  /** Records a join attempt; false when the tenant is over `perSecond` in the last second. */
  tryJoin(tenantId: string, perSecond: number): boolean {
    const now = this.#clock.now();
    const recent = (this.#joins.get(tenantId) ?? []).filter((t) => now - t < 1000);
    if (recent.length >= perSecond) {
      this.#joins.set(tenantId, recent);
      return false;
    }
    recent.push(now);
    this.#joins.set(tenantId, recent);
    return true;
  }
}
