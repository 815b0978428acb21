// The five global limits, their names on realtime.limits, and where their maxima and counts come
// from. How each is judged (the reference's rate counters, a byte bucket, a gauge) is in
// aggregate.ts.
import { byteBurst, type TenantSnapshot, type UsageReport } from '@realtime/schemas';

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

/** The burst of the tenant's byte bucket: the largest message its size limit admits. */
export function bytesBurstOf(s: TenantSnapshot): number {
  return byteBurst(s.max_bytes_per_second, s.max_payload_size_in_kb);
}

/** Which field of a UsageReport feeds each limit, and whether it is a gauge (summed as is) or a count (made a rate). */
export const sources: Record<LimitName, { field: keyof UsageReport; gauge: boolean }> = {
  concurrent_users: { field: 'connections', gauge: true },
  events_per_second: { field: 'events_in', gauge: false },
  joins_per_second: { field: 'joins', gauge: false },
  presence_events_per_second: { field: 'presence_events', gauge: false },
  bytes_per_second: { field: 'bytes_in', gauge: false },
};
