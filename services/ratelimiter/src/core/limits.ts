// The five global limits, their names on realtime.limits, and the one comparison rule each uses.
// Spec §9: concurrent users trip at or above the maximum (a gauge: "room for one more?"); rates trip
// above it. Every limit lifts only once it is back under the maximum, so a rate sitting exactly on
// its maximum keeps whatever decision it has: the deadband between the two tests is the only
// hysteresis (a wider band would throttle tenants that are under their limits).
import type { TenantSnapshot, UsageReport } from '@realtime/schemas';

export const limitNames = ['concurrent_users', 'events_per_second', 'joins_per_second', 'presence_events_per_second', 'bytes_per_second'] as const;

export type LimitName = (typeof limitNames)[number];
export type PerLimit = Record<LimitName, number>;

/** A tenant's configured maxima, from its realtime.tenants snapshot. */
export function maximaOf(s: TenantSnapshot): PerLimit {
  return {
    concurrent_users: s.max_concurrent_users,
    events_per_second: s.max_events_per_second,
    joins_per_second: s.max_joins_per_second,
    presence_events_per_second: s.max_presence_events_per_second,
    // stored but never enforced by the reference; enforced here (on inbound bytes)
    bytes_per_second: s.max_bytes_per_second,
  };
}

/** Which field of a UsageReport feeds each limit, and whether it is a gauge (summed as is) or a count (made a rate). */
export const sources: Record<LimitName, { field: keyof UsageReport; gauge: boolean }> = {
  concurrent_users: { field: 'connections', gauge: true },
  events_per_second: { field: 'events_in', gauge: false },
  joins_per_second: { field: 'joins', gauge: false },
  presence_events_per_second: { field: 'presence_events', gauge: false },
  bytes_per_second: { field: 'bytes_in', gauge: false },
};

/** True when `value` calls for a throttle. */
export function over(limit: LimitName, value: number, max: number): boolean {
  return limit === 'concurrent_users' ? value >= max : value > max;
}

/** True when a throttle may lift. */
export function under(value: number, max: number): boolean {
  return value < max;
}
