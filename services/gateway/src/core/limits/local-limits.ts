// Per-tenant rates on this gateway, shaped like the reference's rate counters (docs/PROTOCOL.md §9,
// @realtime/schemas rate-counter.ts: 5 s buckets, 12 of them, judged at each tick): joins,
// messages (events), database events and presence events; plus a token bucket for bytes. The
// ratelimiter's global view across gateways (realtime.limits) comes on top of this; this local
// share is what keeps being enforced when the ratelimiter is away. Every call is O(1) in the
// number of past events; the maps hold one entry per tenant and limit, so they are bounded by
// the tenants.
import { RateCounter, TokenBucket } from '@realtime/schemas';
import type { Clock } from '../base/clock.ts';

export type CounterName = 'joins' | 'events' | 'db_events' | 'presence';

export class LocalLimits {
  readonly #clock: Clock;
  readonly #counters = new Map<string, RateCounter>();
  readonly #bytes = new Map<string, TokenBucket>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The tenant's counter of `name`, with `limit` (a tenant update applies from the next tick). */
  counter(name: CounterName, tenantId: string, limit: number): RateCounter {
    const key = `${name}:${tenantId}`;
    let c = this.#counters.get(key);
    if (!c) this.#counters.set(key, (c = new RateCounter(this.#clock.now(), limit)));
    c.limit = limit;
    return c;
  }

  /** Counts `n` under `name`. */
  count(name: CounterName, tenantId: string, limit: number, n = 1): void {
    this.counter(name, tenantId, limit).add(this.#clock.now(), n);
  }

  /** Whether `name` tripped at its last tick. */
  triggered(name: CounterName, tenantId: string, limit: number): boolean {
    return this.counter(name, tenantId, limit).triggered(this.#clock.now());
  }

  /** The average per second of `name` as of its last tick (REST's x-rate-rolling). */
  rate(name: CounterName, tenantId: string, limit: number): number {
    return this.counter(name, tenantId, limit).avg(this.#clock.now());
  }

  /** True when the tenant's joins counter is tripped (nothing recorded: the connect check). */
  joinsTriggered(tenantId: string, perSecond: number): boolean {
    return this.triggered('joins', tenantId, perSecond);
  }

  /** The reference's limit_joins: refused while tripped, else counted and admitted. */
  tryJoin(tenantId: string, perSecond: number): boolean {
    if (this.joinsTriggered(tenantId, perSecond)) return false;
    this.count('joins', tenantId, perSecond);
    return true;
  }

  /** The reference's presence check: refused while the average is above the limit, else counted. */
  tryPresence(tenantId: string, perSecond: number): boolean {
    if (this.rate('presence', tenantId, perSecond) > perSecond) return false;
    this.count('presence', tenantId, perSecond);
    return true;
  }

  /**
   * Takes `bytes` from the tenant's byte bucket (refilled at `perSecond`, holding `burst`); false
   * when the bucket has less. Refused bytes are not taken, so a refused sender does not dig the
   * tenant deeper.
   */
  tryBytes(tenantId: string, bytes: number, perSecond: number, burst: number): boolean {
    let b = this.#bytes.get(tenantId);
    if (!b) this.#bytes.set(tenantId, (b = new TokenBucket(this.#clock.now(), perSecond, burst)));
    b.perSecond = perSecond;
    b.burst = burst;
    return b.take(this.#clock.now(), bytes);
  }
}
