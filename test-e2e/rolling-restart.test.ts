// Rolling restart (docs/PROTOCOL.md §2 "Rolling restart"): three gateways behind a round-robin
// load balancer that follows /healthcheck, supabase-js clients spread over them broadcasting and
// tracking presence. Each gateway in turn gets a replacement, then SIGTERM: it stops being ready,
// closes its sockets one by one over GATEWAY_DRAIN_WINDOW_MS with the restart notice and 1012,
// and exits cleanly. The clients reconnect through the balancer to the other gateways, presence
// converges, and the largest silence any client saw is printed and bounded.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Stack } from '@realtime/testing/stack';
import { waitForTenant } from '@realtime/testing/stack';
import { waitFor } from '@realtime/testing';
import { closeClients, createTenant, startE2eStack, token, type TenantInfo } from './support/fixture.ts';
import { startRoundRobinProxy, type RoundRobinProxy } from './support/round-robin-proxy.ts';
import { expectConverged, largestGap, startPeers, type Peer } from './support/steady-peers.ts';

const DRAIN_WINDOW_MS = 2000;
const PEERS = 9;
const TICK_MS = 250;
const RESTARTING = 'Realtime is restarting, please standby';

let stack: Stack;
let tenant: TenantInfo;
let proxy: RoundRobinProxy;
let peers: Peer[] = [];

beforeAll(async () => {
  stack = await startE2eStack({ gateways: 3, presence: true, gatewayEnv: { GATEWAY_DRAIN_WINDOW_MS: String(DRAIN_WINDOW_MS) } });
  // Every client broadcasts to every other: well past the default 100 events per second.
  tenant = await createTenant(stack, { max_events_per_second: 10_000 });
  proxy = await startRoundRobinProxy(stack.gateways.map((g) => g.port));
}, 90_000);

afterAll(async () => {
  for (const p of peers) p.stop();
  await closeClients();
  await proxy?.close();
  await stack?.stop();
});

it('restarts every gateway under traffic: clients move over gradually, end connected, presence converges', async () => {
  peers = startPeers(PEERS, proxy.port, tenant.externalId, await token(tenant.jwtSecret), 'rolling', TICK_MS);
  await waitFor(() => expectConverged(peers), { timeout: 30_000, interval: 200 });

  const from = Date.now();
  for (const old of [...stack.gateways]) {
    const fresh = await stack.startGateway();
    await waitForTenant(stack, tenant.externalId);
    proxy.add(fresh.port);
    await waitFor(() => expect(proxy.ready()).toContain(fresh.port), { timeout: 10_000 });

    const sigterm = Date.now();
    const exitCode = await old.stop(DRAIN_WINDOW_MS + 10_000);
    const stoppedMs = Date.now() - sigterm;
    proxy.remove(old.port);
    stack.gateways.splice(stack.gateways.indexOf(old), 1);
    expect(exitCode).toBe(0); // drained and closed by itself, not killed at the end of the grace

    // Its clients were told one by one across the window, not all at once.
    const told = peers.flatMap((p) => p.notices.filter((n) => n.message === RESTARTING && n.at >= sigterm).map((n) => n.at - sigterm));
    const spread = told.length ? Math.max(...told) - Math.min(...told) : 0;
    console.log(`gateway on ${old.port}: ${told.length} clients told over ${spread} ms, exited after ${stoppedMs} ms`);
    expect(told.length).toBeGreaterThanOrEqual(2);
    expect(spread).toBeGreaterThanOrEqual(DRAIN_WINDOW_MS / 3);
    for (const p of peers) p.notices.splice(0);

    await waitFor(() => expectConverged(peers), { timeout: 30_000, interval: 200 });
  }
  const to = Date.now();

  const gaps = peers.map((p) => largestGap(p, from, to));
  console.log(`rolling restart of 3 gateways: ${PEERS} clients, largest gap in received broadcasts ${Math.max(...gaps)} ms (per client: ${gaps.join(', ')})`);
  // realtime-js reconnects 1 s after the close and rejoins at once: a few seconds at most.
  expect(Math.max(...gaps)).toBeLessThan(8000);
}, 180_000);
