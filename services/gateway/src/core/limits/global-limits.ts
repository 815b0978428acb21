// Throttle decisions of the ratelimiter (realtime.limits, compacted, key `<tenant>:<limit>`): the
// global view of a tenant's rates across all gateways. A throttle counts until its `until`, so a
// dead ratelimiter cannot throttle a tenant for ever; the gateway's local limits keep working
// without it.
import type { LimitDecision } from '@realtime/schemas';

export type LimitName = 'concurrent_users' | 'events_per_second' | 'joins_per_second' | 'presence_events_per_second' | 'bytes_per_second';

export interface Throttle {
  rate: number;
  max: number;
}

export class GlobalLimits {
  readonly #decisions = new Map<string, LimitDecision>();

  /** A record of realtime.limits; null is a tombstone. */
  apply(key: string, decision: LimitDecision | null): void {
    if (decision) this.#decisions.set(key, decision);
    else this.#decisions.delete(key);
  }

  /** The throttle in force for the tenant's limit, if any. */
  throttled(tenant: string, limit: LimitName, now: number): Throttle | null {
    const d = this.#decisions.get(`${tenant}:${limit}`);
    if (!d?.throttled) return null;
    if (d.until !== null && Number(d.until) < now) return null; // not refreshed: the ratelimiter is gone
    return { rate: d.rate, max: d.max };
  }
}
