// The Redis store and node registry on a Redis Cluster of 3 masters: channels spread over the
// masters, the optimistic transaction (WATCH … EXEC) still turns two racing owners into one write,
// a replayed command (the path that ends a WATCH without EXEC) leaves the connection usable, and
// the node registry (one hash tag) lists, reports and forgets nodes whose channels are anywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@realtime/log';
import { createRedisClient, presenceKeys, readSnapshot, type RedisClient, type RedisTarget } from '@realtime/presence';
import type { PresenceCommand } from '@realtime/schemas';
import { startRedisCluster, uniqueName, type RedisCluster } from '@realtime/testing';
import { createRedisPool, type RedisPool } from './redis-pool.ts';
import { createRedisPresenceStore } from './redis-presence-store.ts';
import { presenceRules } from '../core/rules.ts';
import { createRedisNodeRegistry } from './redis-node-registry.ts';

const log = createLogger({ service: 'test', level: 'silent' });
let cluster: RedisCluster;
let target: RedisTarget;
let redis: RedisClient;
let pool: RedisPool;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 0 });
  target = { url: '', clusterNodes: cluster.nodes };
  redis = createRedisClient(target);
  pool = createRedisPool(target, 2, log);
});
afterAll(async () => {
  await pool?.close();
  redis?.disconnect();
  await cluster?.stop();
});

const command = (topic: string, patch: Partial<PresenceCommand> = {}): PresenceCommand => ({
  tenant: 'acme', topic, private: false, op: 'TRACK', node: 'gw-1', connection_id: 'c1', join_ref: '1',
  key: 'alice', meta_json: '{"s":1}', phx_ref: 'A', at: 0, ...patch,
});
const channel = (topic: string) => ({ tenant: 'acme', private: false, topic });

describe('redis presence store on a cluster', () => {
  it('applies commands of channels on every master, and replays them without a write', async () => {
    const store = createRedisPresenceStore(pool, presenceRules);
    const topics = Array.from({ length: 12 }, () => uniqueName('room'));
    const masters = new Set(await Promise.all(topics.map((t) => cluster.masterOf(presenceKeys.members(channel(t))))));
    expect(masters.size).toBeGreaterThan(1);
    for (const topic of topics) {
      const first = await store.apply(command(topic), { partition: 0, offset: '3' });
      expect(first).toMatchObject({ kind: 'applied', diff: { version: 4 } });
      // a replay ends its WATCH without EXEC; the next command on the same connections must apply
      expect(await store.apply(command(topic), { partition: 0, offset: '3' })).toEqual({ kind: 'republished', diff: first.diff });
      expect(await store.apply(command(topic, { key: 'bob', connection_id: 'c2' }), { partition: 0, offset: '4' })).toMatchObject({ kind: 'applied', diff: { version: 5 } });
      expect(await readSnapshot(redis, channel(topic))).toMatchObject({ version: 5, epoch: first.diff!.epoch });
    }
  });

  it('increments the version once when two owners apply the same command at once (WATCH)', async () => {
    const other = createRedisPool(target, 2, log);
    try {
      const stores = [createRedisPresenceStore(pool, presenceRules), createRedisPresenceStore(other, presenceRules)];
      for (let round = 0; round < 20; round++) {
        const topic = uniqueName('room');
        const outcomes = await Promise.all(Array.from({ length: 4 }, (_, i) => stores[i % 2]!.apply(command(topic), { partition: 0, offset: '1' })));
        expect(outcomes.filter((o) => o.kind === 'applied')).toHaveLength(1);
        expect(outcomes.map((o) => o.diff?.version)).toEqual([2, 2, 2, 2]);
      }
    } finally {
      await other.close();
    }
  });

  it('keeps the node registry across masters: a dead node lists its channels, an idle one is forgotten', async () => {
    const store = createRedisPresenceStore(pool, presenceRules);
    const registry = createRedisNodeRegistry(redis, log);
    const node = uniqueName('gw');
    const topics = Array.from({ length: 6 }, () => uniqueName('room'));
    for (const [i, topic] of topics.entries()) await store.apply(command(topic, { node }), { partition: 0, offset: String(i) });
    expect(await registry.deadNodes()).toContain(node); // no liveness key: dead
    expect((await registry.channelsOf(node)).map((c) => c.topic).sort()).toEqual([...topics].sort());
    for (const [i, topic] of topics.entries()) {
      await store.apply(command(topic, { node, op: 'NODE_DOWN', connection_id: '', join_ref: null, key: null, meta_json: null, phx_ref: null }), { partition: 0, offset: String(10 + i) });
    }
    expect(await registry.channelsOf(node)).toEqual([]);
    expect(await redis.sismember(presenceKeys.nodes, node)).toBe(0);
  });
});
