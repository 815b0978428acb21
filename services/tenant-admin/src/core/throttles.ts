// Which limits the ratelimiter throttles each tenant on, from the compacted realtime.limits (key
// `<tenant>:<limit>`), for GET /api/cluster. A decision whose `until` has passed no longer counts:
// the gateways stop honouring it then too (the ratelimiter refreshes the ones still in force).
import type { LimitDecision } from '@realtime/schemas';

export class ThrottleTable {
  readonly #byTenant = new Map<string, Map<string, LimitDecision>>();

  /** A record of realtime.limits; null is a tombstone. */
  apply(key: string, decision: LimitDecision | null): void {
    const tenant = decision?.tenant ?? key.slice(0, key.lastIndexOf(':'));
    const limit = decision?.limit ?? key.slice(key.lastIndexOf(':') + 1);
    let limits = this.#byTenant.get(tenant);
    if (decision) {
      if (!limits) this.#byTenant.set(tenant, (limits = new Map()));
      limits.set(limit, decision);
    } else if (limits) {
      limits.delete(limit);
      if (limits.size === 0) this.#byTenant.delete(tenant);
    }
  }

  /** Names of the tenant's limits throttled at `now`, sorted. */
  throttled(tenant: string, now: number): string[] {
    const out: string[] = [];
    for (const [limit, d] of this.#byTenant.get(tenant) ?? []) {
      if (d.throttled && (d.until === null || Number(d.until) >= now)) out.push(limit);
    }
    return out.sort();
  }
}
