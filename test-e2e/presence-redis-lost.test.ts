// Redis restarted empty under live presence (issue: "Redis lost"): the gateways notice the new
// epoch and re-assert the presences of their live connections, so a newcomer's snapshot holds
// everyone again, existing clients keep exactly the members they had (no ghost, no duplicate),
// and tracking goes on. This file runs its own Redis, since it restarts it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedis, waitFor, type RedisServer } from '@realtime/testing';
import { NODE_RENEW_MS, NODE_CHECK_MS } from '@realtime/presence';
import type { Stack } from '@realtime/testing/stack';
import { closeClients, createTenant, startE2eStack, token, type TenantInfo } from './support/fixture.ts';
import { presenceChannel, view } from './support/presence.ts';

let redis: RedisServer;
let stack: Stack;
let tenant: TenantInfo;
let key: string;

beforeAll(async () => {
  redis = await startRedis();
  stack = await startE2eStack({ gateways: 2, presence: true, infra: { redisUrl: redis.url } });
  tenant = await createTenant(stack);
  key = await token(tenant.jwtSecret);
});
afterAll(async () => {
  await closeClients();
  await stack?.stop();
  await redis?.stop();
});

it('converges again after Redis comes back empty', async () => {
  const open = (gw: number, presenceKey = '') => presenceChannel(stack.gateways[gw]!.port, tenant.externalId, key, 'p-lost', presenceKey);
  const a = await open(0, 'a');
  const b = await open(1, 'b');
  await a.track({ n: 1 });
  await b.track({ n: 2 });
  const both = { a: [{ n: 1 }], b: [{ n: 2 }] };
  await waitFor(() => expect(view(a)).toEqual(both));

  await redis.restart();
  const bound = 2 * NODE_RENEW_MS + NODE_CHECK_MS + 5000;
  // A newcomer's snapshot is read from Redis: it holds both again once the gateways re-asserted.
  await waitFor(async () => {
    const late = await open(0);
    await waitFor(() => expect(view(late)).toEqual(both), { timeout: 1500 });
  }, { timeout: bound, interval: 200 });
  for (const c of [a, b]) expect(view(c)).toEqual(both);
  await a.track({ n: 3 });
  await waitFor(() => expect(view(b)).toEqual({ a: [{ n: 3 }], b: [{ n: 2 }] }));
});
