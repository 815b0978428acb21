import { describe, expect, it } from 'vitest';
import { GlobalLimits } from './limits/global-limits.ts';
import { UsageMeter } from './limits/usage.ts';
import { tenant, testGateway } from '../../test/support.ts';
import { rateThrottle } from './admission/rates.ts';
import type { OutboundBroadcast } from './base/broadcast-message.ts';
import { SignJWT } from 'jose';
import { MemorySocket } from '../../test/support.ts';

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

describe('delivered frames (the reference counts each one as an event)', () => {
  const message = (over: Partial<OutboundBroadcast> = {}): OutboundBroadcast => ({
    id: 'm', tenant: 'acme', topic: 'room', private: false, event: 'e', kind: 'json', encoding: 'json',
    payload: new TextEncoder().encode('{}'), metaId: null, originNode: 'gw-b', sentAt: 0, ...over,
  });

  async function receivers(n: number, maxEventsPerSecond: number) {
    const t = testGateway();
    t.tenants.put(tenant({ limits: { ...tenant().limits, maxEventsPerSecond } }));
    const exp = t.clock.now() / 1000 + 3600;
    const token = await new SignJWT({ role: 'anon', exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(tenant().jwtSecret!));
    const sockets = [];
    for (let i = 0; i < n; i++) {
      const socket = new MemorySocket(`s${i}`);
      const conn = t.gateway.attach(socket, 'acme', '2.0.0', token, { role: 'anon', exp });
      await t.gateway.receive(conn, JSON.stringify(['1', '1', 'realtime:room', 'phx_join', { config: {} }]));
      sockets.push(socket);
    }
    const events = (s: MemorySocket) => (s.json() as unknown[][]).map((f) => f[3]);
    return { t, sockets, events };
  }

  it('counts every delivery, and shuts down the channels that receive once the limit is tripped', async () => {
    const { t, sockets, events } = await receivers(5, 10);
    for (let i = 0; i < 10; i++) t.gateway.receiveRemote(message()); // 50 deliveries: no tick yet
    expect(events(sockets[0]!).filter((e) => e === 'broadcast')).toHaveLength(10);
    t.clock.advance(5_000); // [50, 0] → 5/s: under 10
    t.gateway.receiveRemote(message());
    expect(events(sockets[0]!).at(-1)).toBe('broadcast');
    for (let i = 0; i < 30; i++) t.gateway.receiveRemote(message());
    t.clock.advance(5_000); // [155, 50, 0] → 13.7/s
    t.gateway.receiveRemote(message());
    for (const s of sockets) expect(events(s).slice(-3)).toEqual(['broadcast', 'system', 'phx_close']);
    expect(t.gateway.usage.flush(t.clock.now(), 'gw', new Map())[0]).toMatchObject({ events_out: 5 * 42 });
  });

  it('counts an unknown channel event as an inbound message', async () => {
    const { t } = await receivers(0, 10);
    const exp = t.clock.now() / 1000 + 3600;
    const token = await new SignJWT({ role: 'anon', exp }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(tenant().jwtSecret!));
    const conn = t.gateway.attach(new MemorySocket('u'), 'acme', '2.0.0', token, { role: 'anon', exp });
    await t.gateway.receive(conn, JSON.stringify(['1', '1', 'realtime:room', 'phx_join', { config: {} }]));
    await t.gateway.receive(conn, JSON.stringify(['1', '2', 'realtime:room', 'whatever', {}]));
    expect(t.gateway.usage.flush(t.clock.now(), 'gw', new Map())[0]).toMatchObject({ events_in: 1 });
  });

  it('drops database broadcasts while the limit is tripped, and delivers them again once it lifts', async () => {
    const { t, sockets, events } = await receivers(1, 10);
    const fromDb = message({ originNode: 'ingest-cdc-123', metaId: 'row-1' });
    const throttle = (throttled: boolean) => t.gateway.global.apply('acme:events_per_second', { tenant: 'acme', limit: 'events_per_second', throttled, rate: 15, max: 10, until: null, decided_at: t.clock.now() });
    throttle(true);
    t.gateway.receiveRemote(fromDb);
    expect(events(sockets[0]!)).toEqual(['phx_reply']); // dropped, and the channel is kept
    throttle(false);
    t.gateway.receiveRemote(fromDb);
    expect(events(sockets[0]!)).toEqual(['phx_reply', 'broadcast']);
  });
});
