// A tenant's message and byte rates (max_events_per_second, max_bytes_per_second), counted the
// way the reference counts them (docs/PROTOCOL.md §9): every inbound broadcast (socket or REST) and every
// frame delivered to a channel is one event of the tenant. Counted for the ratelimiter (usage
// reports) and into this gateway's own rate counter; the limit is tripped when the ratelimiter's
// global decision says so, or, without one, when this gateway's counter tripped at its last tick.
// The reference stores max_bytes_per_second but never enforces it; we do, as a token bucket whose
// burst admits any single message the size limit admits (so one large message never trips it).
import { byteBurst } from '@realtime/schemas';
import type { GatewayPorts } from '../context/gateway-ports.ts';
import type { Tenant } from '../base/tenant.ts';
import type { Throttle } from '../limits/global-limits.ts';

/** Counts one inbound message of `bytes`; true when the tenant is over a rate. */
export function overRate(g: GatewayPorts, tenant: Tenant, bytes: number): boolean {
  return rateThrottle(g, tenant, bytes) !== null;
}

/**
 * The same, with the rate and limit to report (REST's x-rate-* headers). `count` messages of
 * `bytes` in total are counted at once, so a REST batch costs one call, not one per message.
 */
export function rateThrottle(g: GatewayPorts, tenant: Tenant, bytes: number, count = 1): Throttle | null {
  const id = tenant.externalId;
  const { maxEventsPerSecond, maxBytesPerSecond, maxPayloadSizeInKb } = tenant.limits;
  g.usage.count(id, 'events_in', count);
  g.usage.count(id, 'bytes_in', bytes);
  g.limits.count('events', id, maxEventsPerSecond, count);
  const events = eventsThrottle(g, tenant);
  if (events) return limited(g, 'events_per_second', events);
  const bytesOk = g.limits.tryBytes(id, bytes, maxBytesPerSecond, byteBurst(maxBytesPerSecond, maxPayloadSizeInKb));
  const bytesOver = g.throttled(id, 'bytes_per_second') ?? (bytesOk ? null : { rate: maxBytesPerSecond + 1, max: maxBytesPerSecond });
  if (bytesOver) return limited(g, 'bytes_per_second', bytesOver);
  return null;
}

/** Counts one inbound message that is not a broadcast (an unknown event), without a check. */
export function countInbound(g: GatewayPorts, tenant: Tenant): void {
  g.usage.count(tenant.externalId, 'events_in');
  g.limits.count('events', tenant.externalId, tenant.limits.maxEventsPerSecond);
}

/** Counts `n` frames delivered to the tenant's channels (each one is an event in the reference). */
export function countDelivered(g: GatewayPorts, tenant: Tenant, n: number): void {
  g.usage.count(tenant.externalId, 'events_out', n);
  g.limits.count('events', tenant.externalId, tenant.limits.maxEventsPerSecond, n);
}

/** The tenant's events limit, if tripped: the global decision's, else this gateway's counter. */
export function eventsThrottle(g: GatewayPorts, tenant: Tenant): Throttle | null {
  const id = tenant.externalId;
  const max = tenant.limits.maxEventsPerSecond;
  return g.throttled(id, 'events_per_second') ?? (g.limits.triggered('events', id, max) ? { rate: g.limits.rate('events', id, max), max } : null);
}

/**
 * Whether the tenant's Postgres changes are dropped right now: its database-events counter
 * (changes delivered, the reference's db_events) or its events limit is tripped.
 */
export function changesLimited(g: GatewayPorts, tenant: Tenant): boolean {
  return g.limits.triggered('db_events', tenant.externalId, tenant.limits.maxEventsPerSecond) || eventsThrottle(g, tenant) !== null;
}

function limited(g: GatewayPorts, limit: 'events_per_second' | 'bytes_per_second', t: Throttle): Throttle {
  g.metrics.rateLimited.inc(limit);
  return t;
}

/** The tenant's current message rate: the global decision's, else this gateway's average. */
export function eventRate(g: GatewayPorts, tenant: Tenant): number {
  const id = tenant.externalId;
  return g.throttled(id, 'events_per_second')?.rate ?? g.limits.rate('events', id, tenant.limits.maxEventsPerSecond);
}
