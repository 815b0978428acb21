import { describe, expect, it } from 'vitest';
import { GlobalLimits } from './global-limits.ts';
import { UsageMeter } from './usage.ts';
import { tenant, testGateway } from './test-support.ts';
import { rateThrottle } from './rates.ts';

const decision = (over: object = {}) => ({ tenant: 'acme', limit: 'events_per_second', throttled: true, rate: 15, max: 10, until: 5000, decided_at: 2000, ...over });

describe('global limits', () => {
  it('holds a throttle until its until, and forgets it on a lift or a tombstone', () => {
    const g = new GlobalLimits();
    g.apply('acme:events_per_second', decision());
    expect(g.throttled('acme', 'events_per_second', 4000)).toEqual({ rate: 15, max: 10 });
    expect(g.throttled('acme', 'events_per_second', 6000)).toBeNull(); // not refreshed: ratelimiter gone
    expect(g.throttled('acme', 'joins_per_second', 4000)).toBeNull();
    g.apply('acme:events_per_second', decision({ throttled: false }));
    expect(g.throttled('acme', 'events_per_second', 4000)).toBeNull();
    g.apply('acme:events_per_second', decision());
    g.apply('acme:events_per_second', null);
    expect(g.throttled('acme', 'events_per_second', 4000)).toBeNull();
  });
});

describe('usage meter', () => {
  it('reports per-tenant counts of the window plus gauges, and starts a new window', () => {
    const m = new UsageMeter(1000);
    m.count('acme', 'events_in', 3);
    m.count('acme', 'bytes_in', 300);
    const gauges = new Map([['acme', { connections: 2, channels: 5 }], ['idle', { connections: 1, channels: 1 }], ['gone', { connections: 0, channels: 0 }]]);
    const reports = m.flush(2000, 'gw', gauges);
    expect(reports).toEqual([
      { tenant: 'acme', node: 'gw', window_start: 1000, window_ms: 1000, connections: 2, channels: 5, joins: 0, events_in: 3, events_out: 0, presence_events: 0, bytes_in: 300, bytes_out: 0 },
      expect.objectContaining({ tenant: 'idle', connections: 1, events_in: 0 }),
    ]);
    expect(m.flush(3000, 'gw', new Map())).toEqual([]);
  });
});

describe('message rates', () => {
  it("throttles on the global decision, and on this gateway's own counter (tripped at a tick) without one", () => {
    const t = testGateway();
    const acme = tenant({ limits: { ...tenant().limits, maxEventsPerSecond: 2, maxBytesPerSecond: 1_000_000 } });
    t.tenants.put(acme);
    for (let i = 0; i < 25; i++) expect(rateThrottle(t.gateway, acme, 10)).toBeNull(); // nothing decided before the tick
    t.clock.advance(5_000); // [25, 0] → 2.5/s >= 2
    expect(rateThrottle(t.gateway, acme, 10)).toEqual({ rate: 2.5, max: 2 });
    t.clock.advance(5_000); // [1, 25, 0] → 1.73/s
    expect(rateThrottle(t.gateway, acme, 10)).toBeNull();
    t.gateway.global.apply('acme:bytes_per_second', decision({ limit: 'bytes_per_second', until: null, rate: 5000, max: 4000 }));
    expect(rateThrottle(t.gateway, acme, 10)).toEqual({ rate: 5000, max: 4000 });
    expect(t.gateway.usage.flush(t.clock.now(), 'gw', new Map())[0]).toMatchObject({ events_in: 28, bytes_in: 280 });
  });

  it('admits one message as large as the size limit allows on default byte limits', () => {
    const t = testGateway();
    const acme = tenant({ limits: { ...tenant().limits, maxBytesPerSecond: 100_000, maxPayloadSizeInKb: 3_000 } });
    t.tenants.put(acme);
    expect(rateThrottle(t.gateway, acme, 600_000)).toBeNull();
    expect(rateThrottle(t.gateway, acme, 2_400_000)).toBeNull();
    expect(rateThrottle(t.gateway, acme, 100_000)).toEqual({ rate: 100_001, max: 100_000 }); // the burst is spent
  });
});
