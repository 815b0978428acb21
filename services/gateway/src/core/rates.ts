// A tenant's message and byte rates (max_events_per_second, max_bytes_per_second) for inbound
// broadcasts, from sockets and REST alike: counted for the ratelimiter, checked against its
// global throttle and against this gateway's own average (which keeps working without it).
// The reference stores max_bytes_per_second but never enforces it; we do.
import type { Gateway } from './gateway.ts';
import type { Tenant } from './tenant.ts';
import type { Throttle } from './global-limits.ts';

/** Counts one inbound message of `bytes`; true when the tenant is over a rate. */
export function overRate(g: Gateway, tenant: Tenant, bytes: number): boolean {
  return rateThrottle(g, tenant, bytes) !== null;
}

/**
 * The same, with the rate and limit to report (REST's x-rate-* headers). `count` messages of
 * `bytes` in total are counted at once, so a REST batch costs one call, not one per message.
 */
export function rateThrottle(g: Gateway, tenant: Tenant, bytes: number, count = 1): Throttle | null {
  const id = tenant.externalId;
  const { maxEventsPerSecond, maxBytesPerSecond } = tenant.limits;
  g.usage.count(id, 'events_in', count);
  g.usage.count(id, 'bytes_in', bytes);
  const localEvents = g.limits.tryAmount(`events:${id}`, count, maxEventsPerSecond);
  const localBytes = g.limits.tryAmount(`bytes:${id}`, bytes, maxBytesPerSecond);
  const events = g.throttled(id, 'events_per_second') ?? (localEvents ? null : { rate: maxEventsPerSecond + 1, max: maxEventsPerSecond });
  if (events) return limited(g, 'events_per_second', events);
  const bytesOver = g.throttled(id, 'bytes_per_second') ?? (localBytes ? null : { rate: maxBytesPerSecond + 1, max: maxBytesPerSecond });
  if (bytesOver) return limited(g, 'bytes_per_second', bytesOver);
  return null;
}

function limited(g: Gateway, limit: 'events_per_second' | 'bytes_per_second', t: Throttle): Throttle {
  g.deps.metrics.rateLimited.inc(limit);
  return t;
}

/** The tenant's current inbound message rate: the global decision's, else this gateway's average. */
export function eventRate(g: Gateway, tenant: Tenant): number {
  const id = tenant.externalId;
  return g.throttled(id, 'events_per_second')?.rate ?? g.limits.rate(`events:${id}`);
}
