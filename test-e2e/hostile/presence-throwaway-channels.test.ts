// Hostile: 10,000 throw-away presence channels (join, track, leave) from a few sockets over both
// gateways. Absorbed: every channel's Redis keys are gone again shortly after (the key count
// returns to the idle stack's), so Redis cannot be filled with departed members. Everyone else is
// still served: /api/ping answers within a second throughout, and an ordinary presence channel
// between the two gateways works during and after; the RSS of the gateways and presence-service
// stays bounded. Runs its own Redis to count every key in it.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedis, waitFor, type RedisServer } from '@realtime/testing';
import type { Stack } from '@realtime/testing/stack';
import { closeClients, createTenant, startE2eStack, token, type TenantInfo } from '../support/fixture.ts';
import { presenceChannel, view } from '../support/presence.ts';
import { churnPresence } from '../support/throwaway-presence.ts';

let redisServer: RedisServer;
let redis: Redis;
let stack: Stack;
let tenant: TenantInfo;
let key: string;

beforeAll(async () => {
  redisServer = await startRedis();
  redis = new Redis(redisServer.url);
  stack = await startE2eStack({ gateways: 2, presence: true, infra: { redisUrl: redisServer.url }, gatewayEnv: { LOG_LEVEL: 'warn' } });
  // rates raised out of the way: the point is what is left behind, not throttling
  tenant = await createTenant(stack, { max_joins_per_second: 100_000, max_presence_events_per_second: 100_000 });
  key = await token(tenant.jwtSecret);
});
afterAll(async () => {
  await closeClients();
  await stack?.stop();
  redis?.disconnect();
  await redisServer?.stop();
});

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** /api/ping every 250 ms, each bounded by a one-second timeout; collects the failures. */
function pingLoop(port: number) {
  const failures: string[] = [];
  let pings = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const res = await fetch(`http://${tenant.externalId}.localhost:${port}/api/ping`, { signal: AbortSignal.timeout(1000) });
        if (res.status !== 200) failures.push(`status ${res.status}`);
      } catch (err) {
        failures.push(String(err));
      }
      pings++;
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return { failures, get pings() { return pings; }, stop: async () => { running = false; await loop; } };
}

it('10,000 throw-away presence channels leave no Redis key behind, and presence keeps working', async () => {
  const open = (gw: number, topic: string, presenceKey: string) => presenceChannel(stack.gateways[gw]!.port, tenant.externalId, key, topic, presenceKey);
  // idle stack: the epoch and both gateways' liveness keys
  await waitFor(async () => expect(await redis.dbsize()).toBe(3));
  const baseline = await redis.dbsize();

  const processes = [...stack.gateways, stack.presence!].map((p) => p.child.pid!);
  const rssBefore = processes.map(rssMb);
  let peak = baseline;
  const sampler = setInterval(() => void redis.dbsize().then((n) => { peak = Math.max(peak, n); }, () => {}), 100);
  const ping = pingLoop(stack.gateways[0]!.port);
  const churn = churnPresence({ ports: stack.gateways.map((g) => g.port), tenant: tenant.externalId, key, prefix: 'throwaway', channels: 10_000, sockets: 4, inFlight: 25 });
  // an ordinary presence channel across the gateways, while the churn runs
  const a = await open(0, 'p-bystander', 'a');
  const b = await open(1, 'p-bystander', 'b');
  // (its commands queue behind the churn's on shared partitions: seconds, more on a loaded machine)
  expect(await a.track({ n: 1 })).toBe('ok');
  await waitFor(() => expect(view(b)).toEqual({ a: [{ n: 1 }] }), { timeout: 45_000, interval: 200 });
  const result = await churn;
  await ping.stop();
  clearInterval(sampler);

  expect(result.failed).toBe(0);
  expect(peak).toBeGreaterThan(baseline); // the churn did write channel keys
  expect(ping.pings).toBeGreaterThan(0);
  expect(ping.failures).toEqual([]);

  // the bystander leaves too; then every channel key and node bookkeeping key is gone
  // (presence-service may still be working through the churn's commands on a loaded machine)
  await a.untrack();
  await waitFor(() => expect(view(b)).toEqual({}), { timeout: 30_000 });
  await waitFor(async () => expect(await redis.dbsize()).toBe(baseline), { timeout: 30_000, interval: 250 });
  expect(await redis.keys('rt:t:*')).toEqual([]);

  // gateways and presence-service keep nothing per departed channel: the heap grows under the
  // load (about +140 MB per gateway and +220 MB for presence-service here), but not by tens of KB
  // per channel
  processes.map(rssMb).forEach((after, i) => expect(after - rssBefore[i]!).toBeLessThan(300));

  // and presence still works afterwards
  await b.track({ n: 2 });
  await waitFor(() => expect(view(a)).toEqual({ b: [{ n: 2 }] }), { timeout: 15_000 });
}, 120_000);
