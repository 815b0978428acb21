// Hostile: 100 clients join a busy channel (≈1 MB/s of 64 KB broadcasts) and stop reading, half of
// them still heartbeating. The gateway cuts each one off once its unsent bytes pass
// GATEWAY_MAX_BUFFERED_BYTES (realtime_slow_clients_disconnected_total), its RSS stays bounded,
// and everyone else is still served: a reading client on the channel gets every broadcast, a
// broadcast from the other gateway arrives, and /api/ping answers within a second.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@realtime/testing';
import type { Stack } from '@realtime/testing/stack';
import { client, closeClients, collect, createTenant, startE2eStack, subscribed, token, type TenantInfo } from '../support/fixture.ts';
import { metric, rawClient, rawJoin, type RawClient } from '../support/raw-socket.ts';

const SLOW = 100;
// Roomy enough that the reading client, in a test process busy with 100 sockets, is never cut.
const BOUND = 2_000_000;
const RSS = 'realtime_process_process_resident_memory_bytes';
const PAYLOAD = 'x'.repeat(64 * 1024);

let stack: Stack;
let tenant: TenantInfo;
let key: string;
beforeAll(async () => {
  stack = await startE2eStack({ gateways: 2, gatewayEnv: { GATEWAY_MAX_BUFFERED_BYTES: String(BOUND), LOG_LEVEL: 'warn' } });
  // Limits out of the way: the flood is about memory, not the tenant's rates.
  tenant = await createTenant(stack, { max_events_per_second: 1_000_000, max_bytes_per_second: 1_000_000_000, max_concurrent_users: 10_000, max_joins_per_second: 10_000 });
  key = await token(tenant.jwtSecret);
});
afterAll(async () => {
  await closeClients();
  await stack?.stop();
});

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${await token(stack.metricsJwtSecret, {})}` } });
  return res.text();
}

async function pingMs(port: number): Promise<number> {
  const started = performance.now();
  const res = await fetch(`http://${tenant.externalId}.localhost:${port}/api/ping`, { signal: AbortSignal.timeout(5000) });
  expect(res.status).toBe(200);
  return performance.now() - started;
}

describe('hostile: 100 clients stop reading on a busy channel', () => {
  it('cuts them off with bounded memory while everyone else is served', async () => {
    const gw = stack.gateways[0]!;
    const reader = client(gw.port, tenant.externalId, key).channel('busy');
    const got = collect(reader, 'fill');
    const remote = client(stack.gateways[1]!.port, tenant.externalId, key).channel('busy');
    await Promise.all([subscribed(reader), subscribed(remote)]);
    const rssBefore = metric(await scrape(gw.url), RSS);

    const slow: RawClient[] = [];
    for (let i = 0; i < SLOW; i++) {
      const c = await rawClient(gw.port, tenant.externalId, key);
      await rawJoin(c, 'busy');
      c.stopReading();
      slow.push(c);
    }
    const heartbeats = setInterval(() => slow.slice(0, SLOW / 2).forEach((c, i) => c.ws.readyState === c.ws.OPEN && c.send([null, `hb${i}`, 'phoenix', 'heartbeat', {}])), 1000);
    const publisher = await rawClient(gw.port, tenant.externalId, key);
    await rawJoin(publisher, 'busy');
    let sent = 0;
    const flood = setInterval(() => {
      publisher.send(['1', null, 'realtime:busy', 'broadcast', { type: 'broadcast', event: 'fill', payload: { n: sent, fill: PAYLOAD } }]);
      sent++;
    }, 1000 / 16); // 16 × 64 KB ≈ 1 MB/s into the channel, 100 MB/s out of the gateway to 100 sockets

    let rssPeak = rssBefore;
    const pings: number[] = [];
    try {
      await waitFor(async () => {
        const page = await scrape(gw.url);
        rssPeak = Math.max(rssPeak, metric(page, RSS));
        pings.push(await pingMs(gw.port));
        expect(metric(page, 'realtime_slow_clients_disconnected_total')).toBe(SLOW);
      }, { timeout: 40_000, interval: 500 });
    } finally {
      clearInterval(flood);
      clearInterval(heartbeats);
    }

    // Cut off: the gateway destroys their TCP sockets (after its close grace) and forgets them.
    await waitFor(async () => expect(metric(await scrape(gw.url), 'realtime_connections_global_connected')).toBe(2), { timeout: 10_000 });
    // Bounded: at most the bound per socket plus slack. (Sockets queue the same encoded frames, so
    // an unbounded gateway grows with the channel's traffic over time: the metric above is what
    // tells the two apart within a test's minute.)
    expect(rssPeak - rssBefore).toBeLessThan(SLOW * BOUND + 150_000_000);
    // Everyone else: the reader got every broadcast, the other gateway still delivers, ping is fast.
    expect(metric(await scrape(gw.url), 'realtime_slow_clients_disconnected_total')).toBe(SLOW); // the reader was never cut
    await waitFor(() => expect(got).toHaveLength(sent), { timeout: 15_000 });
    const cross = collect(reader, 'cross');
    expect(await remote.send({ type: 'broadcast', event: 'cross', payload: {} })).toBe('ok');
    await waitFor(() => expect(cross).toHaveLength(1));
    expect(Math.max(...pings)).toBeLessThan(1000);
    publisher.ws.close();
  });
});
