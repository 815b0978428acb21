import { describe, expect, it } from 'vitest';
import { batchBroadcast, batchBroadcastText, singleBroadcast } from './rest.ts';
import { MemoryTenantDatabase, tenant, testGateway } from '../../../test/support.ts';

const claims = { role: 'anon', exp: 0 } as never;
const tooLarge = { status: 429, body: { message: 'Too many messages to broadcast, please reduce the batch size' } };
const batch = (n: number) => ({ messages: Array.from({ length: n }, (_, i) => ({ topic: 'room', event: 'e', payload: { i } })) });

function setup(maxEventsPerSecond = 10_000) {
  const t = testGateway();
  const acme = tenant({ limits: { ...tenant().limits, maxEventsPerSecond, maxBytesPerSecond: 1e12 } });
  t.tenants.put(acme);
  return { ...t, acme };
}

describe('REST batch broadcast', () => {
  it('refuses a batch over the maximum from its length alone, before reading any message', async () => {
    const { gateway, acme, bus } = setup();
    let reads = 0;
    const item = { get topic() { reads++; return 'room'; }, event: 'e', payload: {} };
    const messages = Array.from({ length: 1001 }, () => item);
    expect(await batchBroadcast(gateway, acme, claims, { messages }, 1000)).toEqual(tooLarge);
    expect(reads).toBe(0);
    expect(bus.published).toHaveLength(0);
    expect(await batchBroadcast(gateway, acme, claims, { messages: messages.slice(0, 1000) }, 1000)).toEqual({ status: 202 });
    expect(bus.published).toHaveLength(1000);
  });

  it("refuses a batch that would take the tenant over max_events_per_second, and an over-rate tenant's any batch", async () => {
    const { gateway, acme, bus, clock } = setup(10);
    expect(await batchBroadcast(gateway, acme, claims, batch(11), 1000)).toEqual(tooLarge);
    expect(await batchBroadcast(gateway, acme, claims, batch(10), 1000)).toEqual({ status: 202 });
    expect(await batchBroadcast(gateway, acme, claims, batch(10), 1000)).toEqual({ status: 202 }); // the average moves at a tick
    clock.advance(5_000); // [20, 0] → 2/s
    expect(await batchBroadcast(gateway, acme, claims, batch(9), 1000)).toEqual(tooLarge);
    expect(await batchBroadcast(gateway, acme, claims, batch(8), 1000)).toEqual({ status: 202 });
    expect(bus.published).toHaveLength(28);
    gateway.global.apply('acme:events_per_second', { tenant: 'acme', limit: 'events_per_second', throttled: true, rate: 15, max: 10, until: null, decided_at: clock.now() });
    expect(await batchBroadcast(gateway, acme, claims, batch(1), 1000)).toEqual({
      status: 429, body: { message: 'You have exceeded your rate limit' },
      headers: { 'x-rate-rolling': '15', 'x-rate-limit': '10', 'x-rate-limit-remaining': '0' },
    });
  });

  it('counts a whole batch in the usage report', async () => {
    const { gateway, acme, clock } = setup();
    expect(await batchBroadcast(gateway, acme, claims, batch(500), 1000)).toEqual({ status: 202 });
    expect(gateway.usage.flush(clock.now(), 'gw', new Map())[0]).toMatchObject({ events_in: 500 });
  });
});

describe('REST batch broadcast from its raw body', () => {
  it('refuses an over-size batch and a too-deep body before parsing, and parses the rest', async () => {
    const { gateway, acme, bus } = setup();
    const hundredK = JSON.stringify({ messages: Array(100_000).fill({ topic: 'f', event: 'e', payload: {} }) });
    expect(await batchBroadcastText(gateway, acme, claims, hundredK, 1000)).toEqual(tooLarge);
    // A million levels parsed, then JSON.stringify of the payload threw (a 500 for the client).
    const deep = `{"messages":[{"topic":"t","event":"e","payload":{"a":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}}]}`;
    expect(await batchBroadcastText(gateway, acme, claims, deep, 1000)).toEqual({ status: 422, body: { errors: { messages: ['is invalid'] } } });
    expect(await batchBroadcastText(gateway, acme, claims, '{"messages":[', 1000)).toEqual({ status: 422, body: { errors: { messages: ['is invalid'] } } });
    expect(bus.published).toHaveLength(0);
    expect(await batchBroadcastText(gateway, acme, claims, JSON.stringify(batch(3)), 1000)).toEqual({ status: 202 });
    expect(bus.published).toHaveLength(3);
  });
});

describe('REST broadcast to a private topic', () => {
  it("checks the write against the request's own x- headers (docs/PROTOCOL.md §7 request.headers)", async () => {
    const db = new MemoryTenantDatabase();
    db.writePolicy = (_topic, who) => who.headers?.['x-app-id'] === 'web';
    const t = testGateway(undefined, db);
    const acme = tenant({ limits: { ...tenant().limits, maxBytesPerSecond: 1e12 } });
    t.tenants.put(acme);
    const payload = new TextEncoder().encode('{}');
    expect(await singleBroadcast(t.gateway, acme, claims, 'room', 'e', true, payload, 'json')).toEqual({ status: 403, body: { message: 'Unauthorized' } });
    expect(await singleBroadcast(t.gateway, acme, claims, 'room', 'e', true, payload, 'json', { 'x-app-id': 'web' })).toEqual({ status: 202 });
    const privateBatch = { messages: [{ topic: 'room', event: 'e', payload: {}, private: true }] };
    expect(await batchBroadcast(t.gateway, acme, claims, privateBatch, 1000)).toEqual({ status: 202 });
    expect(t.bus.published).toHaveLength(1); // skipped without the header
    expect(await batchBroadcast(t.gateway, acme, claims, privateBatch, 1000, { 'x-app-id': 'web' })).toEqual({ status: 202 });
    expect(t.bus.published).toHaveLength(2);
  });
});
