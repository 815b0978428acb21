// Presence on a Redis Cluster of 3 masters + 3 replicas (REDIS_CLUSTER_NODES): channels whose keys
// hash to each of the masters sync across two gateways (tracks, updates, untracks, late joiners'
// snapshots), and when the master serving one channel's slot is SIGKILLed its replica takes over:
// presence on that channel works again (new track and untrack seen, a late joiner's snapshot
// converges), channels on the other masters keep working, and the killed node rejoins as a replica.
// The killed master is the one holding the gateways' liveness keys too.
// The scenarios of presence.test.ts run on the same cluster first (support/presence-suite.ts).
// This file runs its own cluster, since it kills one of its nodes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedisCluster, waitFor, type RedisCluster } from '@realtime/testing';
import { presenceKeys } from '@realtime/presence';
import type { Stack } from '@realtime/testing/stack';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { closeClients, createTenant, startE2eStack, token, type TenantInfo } from './support/fixture.ts';
import { presenceChannel, view } from './support/presence.ts';
import { presenceSuite } from './support/presence-suite.ts';

let cluster: RedisCluster;
let stack: Stack;
let tenant: TenantInfo;
let key: string;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
  stack = await startE2eStack({ gateways: 2, presence: true, infra: { redisClusterNodes: cluster.nodes } });
  tenant = await createTenant(stack);
  key = await token(tenant.jwtSecret);
}, 120_000);

presenceSuite('presence scenarios on the cluster', () => ({ redisClusterNodes: cluster.nodes }));

afterAll(async () => {
  await closeClients();
  await stack?.stop();
  await cluster?.stop();
});

const masterOf = (topic: string) => cluster.masterOf(presenceKeys.members({ tenant: tenant.externalId, private: false, topic }));

/** master port → one topic whose channel keys hash to that master's slots. */
async function topicPerMaster(prefix: string): Promise<Map<number, string>> {
  const topics = new Map<number, string>();
  for (let i = 0; topics.size < 3; i++) {
    const master = await masterOf(`${prefix}-${i}`);
    if (!topics.has(master)) topics.set(master, `${prefix}-${i}`);
  }
  return topics;
}

const open = (gw: number, topic: string, presenceKey = '') => presenceChannel(stack.gateways[gw]!.port, tenant.externalId, key, topic, presenceKey);

/** a on gateway 0 and b on gateway 1, both tracked and seeing each other. */
async function pair(topic: string): Promise<[RealtimeChannel, RealtimeChannel]> {
  const a = await open(0, topic, 'a');
  const b = await open(1, topic, 'b');
  expect(await a.track({ n: 1 })).toBe('ok');
  expect(await b.track({ n: 2 })).toBe('ok');
  for (const c of [a, b]) await waitFor(() => expect(view(c)).toEqual({ a: [{ n: 1 }], b: [{ n: 2 }] }));
  return [a, b];
}

it('syncs presence across gateways on channels served by each of the 3 masters', async () => {
  const topicOn = await topicPerMaster('p-spread');
  for (const topic of topicOn.values()) {
    const [a, b] = await pair(topic);
    const late = await open(1, topic); // its state comes from the snapshot read in the cluster
    await waitFor(() => expect(view(late)).toEqual({ a: [{ n: 1 }], b: [{ n: 2 }] }));
    expect(await a.track({ n: 3 })).toBe('ok');
    await waitFor(() => expect(view(b)).toEqual({ a: [{ n: 3 }], b: [{ n: 2 }] }));
    expect(await b.untrack()).toBe('ok');
    for (const c of [a, late]) await waitFor(() => expect(view(c)).toEqual({ a: [{ n: 3 }] }));
    for (const c of [a, b, late]) await c.unsubscribe();
  }
});

it('fails a killed master over to its replica and presence works again on its channels', async () => {
  const topicOn = await topicPerMaster('p-failover');
  // The victim also serves the node registry's slot ({presence-nodes}: liveness keys, epoch), so
  // every run covers a failover that may lose a gateway's liveness key (its last write not yet
  // replicated, or expired while the slot had no master): presence-service then sends NODE_DOWN
  // for that gateway, which must re-assert its members when it finds its key gone.
  const victim = await cluster.masterOf(presenceKeys.nodes);
  const survivor = [...topicOn.keys()].find((port) => port !== victim);
  const hit = await pair(topicOn.get(victim!)!);
  const other = await pair(topicOn.get(survivor!)!);
  const [a, b] = hit;

  const killedAt = Date.now();
  await cluster.kill(victim!);
  // a's next update is applied in the slot that just lost its master: it reaches b once the
  // replica serves the slot (presence-service retries the command meanwhile).
  expect(await a.track({ n: 10 })).toBe('ok');
  await waitFor(() => expect(view(b)).toEqual({ a: [{ n: 10 }], b: [{ n: 2 }] }), { timeout: 30_000, interval: 100 });
  const resumedMs = Date.now() - killedAt;
  process.stderr.write(`[presence-redis-cluster] master :${victim} SIGKILLed; presence on its slot resumed after ${resumedMs} ms\n`);

  // untrack, a late joiner's snapshot, and a channel on another master: all as before
  expect(await b.untrack()).toBe('ok');
  await waitFor(() => expect(view(a)).toEqual({ a: [{ n: 10 }] }));
  const late = await open(0, topicOn.get(victim!)!);
  await waitFor(() => expect(view(late)).toEqual({ a: [{ n: 10 }] }));
  expect(await other[0].track({ n: 5 })).toBe('ok');
  await waitFor(() => expect(view(other[1])).toEqual({ a: [{ n: 5 }], b: [{ n: 2 }] }));

  // the killed node comes back as a replica; presence goes on
  await cluster.restart(victim!);
  await cluster.waitHealthy();
  expect(await masterOf(topicOn.get(victim!)!)).not.toBe(victim);
  expect(await b.track({ n: 20 })).toBe('ok');
  for (const c of [a, late]) await waitFor(() => expect(view(c)).toEqual({ a: [{ n: 10 }], b: [{ n: 20 }] }));
}, 120_000);
