// Hostile: Redis is stopped for 30 s while clients keep tracking and untracking on both gateways,
// then comes back (empty, as a Redis without persistence does). Absorbed: every track and untrack
// is still answered `ok` (commands go to Kafka, not Redis), presence-service keeps running and
// applies what it had accepted once Redis is back, and every client, old or new, converges to the
// members' last actions. Everyone else is still served during the outage: /api/ping answers
// within a second and every broadcast between the two gateways arrives. Memory stays bounded
// (RSS of the gateways and of presence-service). Runs its own Redis, since it stops it.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedis, waitFor, type RedisServer } from '@realtime/testing';
import type { Stack } from '@realtime/testing/stack';
import { client, closeClients, collect, createTenant, startE2eStack, subscribed, token, type TenantInfo } from '../support/fixture.ts';
import { presenceChannel, view } from '../support/presence.ts';

const OUTAGE_MS = 30_000;
let redis: RedisServer;
let stack: Stack;
let tenant: TenantInfo;
let key: string;

beforeAll(async () => {
  redis = await startRedis();
  stack = await startE2eStack({ gateways: 2, presence: true, infra: { redisUrl: redis.url }, gatewayEnv: { LOG_LEVEL: 'warn' } });
  tenant = await createTenant(stack);
  key = await token(tenant.jwtSecret);
});
afterAll(async () => {
  await closeClients();
  await stack?.stop();
  await redis?.stop();
});

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('keeps serving through 30 s without Redis, and presence converges once it is back', async () => {
  const open = (gw: number, presenceKey = '') => presenceChannel(stack.gateways[gw]!.port, tenant.externalId, key, 'p-outage', presenceKey);
  const observers = [await open(0), await open(1)];
  const members = await Promise.all([0, 1, 2, 3].map((i) => open(i % 2, `m${i}`)));
  for (const [i, m] of members.entries()) expect(await m.track({ v: 0, i })).toBe('ok');
  const expected: Record<string, Array<Record<string, unknown>>> = Object.fromEntries(members.map((_, i) => [`m${i}`, [{ v: 0, i }]]));
  for (const o of observers) await waitFor(() => expect(view(o)).toEqual(expected));

  const sender = client(stack.gateways[0]!.port, tenant.externalId, key).channel('b-outage');
  const receiverChannel = client(stack.gateways[1]!.port, tenant.externalId, key).channel('b-outage');
  const received = collect(receiverChannel, 'tick');
  await Promise.all([subscribed(sender), subscribed(receiverChannel)]);
  const processes = [...stack.gateways, stack.presence!].map((p) => p.child.pid!);
  const rssBefore = processes.map(rssMb);

  await redis.stop();
  const pingFailures: string[] = [];
  const replies: string[] = [];
  let sent = 0;
  const start = Date.now();
  for (let step = 0; Date.now() - start < OUTAGE_MS; step++) {
    // each member acts every 8 s: below the client presence limit of 5 per 30 s
    if (step % 8 === 0) {
      for (const [i, m] of members.entries()) {
        const k = step / 8;
        if ((k + i) % 2 === 1) {
          replies.push(await m.untrack());
          delete expected[`m${i}`];
        } else {
          replies.push(await m.track({ v: k + 1, i }));
          expected[`m${i}`] = [{ v: k + 1, i }];
        }
      }
    }
    await sender.send({ type: 'broadcast', event: 'tick', payload: { step } });
    sent++;
    try {
      const res = await fetch(`http://${tenant.externalId}.localhost:${stack.gateways[1]!.port}/api/ping`, { signal: AbortSignal.timeout(1000) });
      if (res.status !== 200) pingFailures.push(`status ${res.status}`);
    } catch (err) {
      pingFailures.push(String(err));
    }
    await sleep(1000);
  }
  // broadcasts never needed Redis: all of them arrived during the outage
  await waitFor(() => expect(received).toHaveLength(sent));
  expect(pingFailures).toEqual([]);
  expect(replies.every((r) => r === 'ok')).toBe(true);
  expect(stack.presence!.child.exitCode).toBeNull();

  redis = await startRedis({ port: redis.port });
  for (const o of [...observers, ...members]) await waitFor(() => expect(view(o)).toEqual(expected), { timeout: 45_000, interval: 250 });
  const late = await open(1);
  await waitFor(() => expect(view(late)).toEqual(expected), { timeout: 10_000 });

  expect(stack.presence!.child.exitCode).toBeNull();
  expect((await fetch(`${stack.presence!.url}/healthcheck`)).status).toBe(200);
  processes.map(rssMb).forEach((after, i) => expect(after - rssBefore[i]!).toBeLessThan(100));
}, 150_000);
