// The Redis store on a real redis-server of its own (the node set is global: no other test's
// monitor should see it): exactly-once by position, one version per diff even when two owners race,
// node bookkeeping, and what a gateway's readSnapshot sees afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createLogger } from '@realtime/log';
import { channelId, memberId, presenceKeys, readSnapshot, singleRedis } from '@realtime/presence';
import { ErrorCodes, errorCodeOf, isRetryable } from '@realtime/errors';
import type { PresenceCommand } from '@realtime/schemas';
import { startRedis, uniqueName, type RedisServer } from '@realtime/testing';
import { createRedisPool, type RedisPool } from './redis-pool.ts';
import { createRedisPresenceStore } from './redis-presence-store.ts';
import { presenceRules } from '../core/rules.ts';

const log = createLogger({ service: 'test', level: 'silent' });
let server: RedisServer;
let redis: Redis;
let pool: RedisPool;

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  pool = createRedisPool(singleRedis(server.url), 4, log);
});
afterAll(async () => {
  await pool?.close();
  redis?.disconnect();
  await server?.stop();
});

const command = (topic: string, patch: Partial<PresenceCommand> = {}): PresenceCommand => ({
  tenant: 'acme', topic, private: false, op: 'TRACK', node: 'gw-1', connection_id: 'c1', join_ref: '1',
  key: 'alice', meta_json: '{"s":1}', phx_ref: 'A', at: 0, ...patch,
});

describe('redis presence store', () => {
  it('applies a position once: the same position re-publishes the same diff, an older one is skipped', async () => {
    const store = createRedisPresenceStore(pool, presenceRules, () => 42);
    const topic = uniqueName('room');
    const first = await store.apply(command(topic), { partition: 2, offset: '7' });
    expect(first).toMatchObject({ kind: 'applied', diff: { version: 8, at: 42, joins_json: '{"alice":{"metas":[{"s":1,"phx_ref":"A"}]}}' } });
    const again = await store.apply(command(topic), { partition: 2, offset: '7' });
    expect(again).toEqual({ kind: 'republished', diff: first.diff });
    expect(await store.apply(command(topic, { op: 'UNTRACK' }), { partition: 2, offset: '6' })).toEqual({ kind: 'skipped', diff: null });
    const snapshot = await readSnapshot(redis, { tenant: 'acme', private: false, topic });
    expect(snapshot).toEqual({ state: { alice: { metas: [{ s: 1, phx_ref: 'A' }] } }, version: 8, epoch: first.diff!.epoch });
  });

  it('increments the version once when two owners apply the same command at once (WATCH)', async () => {
    const other = createRedisPool(singleRedis(server.url), 4, log);
    try {
      const stores = [createRedisPresenceStore(pool, presenceRules), createRedisPresenceStore(other, presenceRules)];
      for (let round = 0; round < 30; round++) {
        const topic = uniqueName('room');
        const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => stores[i % 2]!.apply(command(topic), { partition: 0, offset: '1' })));
        expect(outcomes.filter((o) => o.kind === 'applied')).toHaveLength(1);
        expect(outcomes.map((o) => o.diff?.version)).toEqual([2, 2, 2, 2, 2, 2]);
        expect(await redis.hget(presenceKeys.state({ tenant: 'acme', private: false, topic }), 'version')).toBe('2');
      }
    } finally {
      await other.close();
    }
  });

  it('records the node of a member and forgets it when the node is down, including node ids with glob characters', async () => {
    const store = createRedisPresenceStore(pool, presenceRules);
    const node = `${uniqueName('gw')}*[x]`;
    const channels = [uniqueName('a'), uniqueName('b')].map((topic) => ({ tenant: 'acme', private: true, topic }));
    for (const [i, c] of channels.entries()) await store.apply(command(c.topic, { private: true, node }), { partition: 0, offset: String(i) });
    await store.apply(command(channels[0]!.topic, { private: true, node: 'gw-other', key: 'bob' }), { partition: 0, offset: '5' });
    expect(await redis.sismember(presenceKeys.nodes, node)).toBe(1);
    expect((await redis.smembers(presenceKeys.nodeChannels(node))).sort()).toEqual(channels.map(channelId).sort());

    const down = (c: (typeof channels)[number], offset: string) => store.apply(command(c.topic, { private: true, node, op: 'NODE_DOWN', connection_id: '', join_ref: null, key: null, meta_json: null, phx_ref: null }), { partition: 0, offset });
    expect(await down(channels[0]!, '10')).toMatchObject({ kind: 'applied', members: 1, diff: { version: 3, leaves_json: '{"alice":{"metas":[{"s":1,"phx_ref":"A"}]}}' } });
    expect(await redis.sismember(presenceKeys.nodes, node)).toBe(1); // still has channels[1]
    expect(await down(channels[1]!, '11')).toMatchObject({ kind: 'applied', members: 0, diff: { version: 3 } });
    expect(await redis.sismember(presenceKeys.nodes, node)).toBe(0);
    expect(await redis.exists(presenceKeys.nodeChannels(node))).toBe(0);
    expect((await readSnapshot(redis, channels[0]!)).state).toEqual({ bob: { metas: [{ s: 1, phx_ref: 'A' }] } });
    expect(await down(channels[1]!, '12')).toEqual({ kind: 'unchanged', diff: null, members: 0 });
  });

  it('keeps a channel in a live node\'s set exactly while the node has members there', async () => {
    const store = createRedisPresenceStore(pool, presenceRules);
    const node = uniqueName('gw');
    const topic = uniqueName('room');
    const listed = async () => [await redis.sismember(presenceKeys.nodes, node), await redis.scard(presenceKeys.nodeChannels(node))];
    await store.apply(command(topic, { node, connection_id: 'c1' }), { partition: 0, offset: '0' });
    await store.apply(command(topic, { node, connection_id: 'c2' }), { partition: 0, offset: '1' });
    await store.apply(command(topic, { node, connection_id: 'c2', meta_json: '{"s":2}' }), { partition: 0, offset: '2' }); // update: same count
    expect(await listed()).toEqual([1, 1]);
    await store.apply(command(topic, { node, connection_id: 'c1', op: 'UNTRACK' }), { partition: 0, offset: '3' });
    expect(await listed()).toEqual([1, 1]);
    await store.apply(command(topic, { node, connection_id: 'c2', op: 'LEAVE_CONNECTION', join_ref: null }), { partition: 0, offset: '4' });
    expect(await listed()).toEqual([0, 0]);
    expect(await redis.hget(presenceKeys.state({ tenant: 'acme', private: false, topic }), `node:${node}`)).toBeNull();
  });

  it('names a Redis that lost its data with a new epoch before writing', async () => {
    const store = createRedisPresenceStore(pool, presenceRules);
    const before = await redis.get(presenceKeys.epoch);
    await redis.del(presenceKeys.epoch);
    const outcome = await store.apply(command(uniqueName('room')), { partition: 0, offset: '0' });
    const epoch = await redis.get(presenceKeys.epoch);
    expect(epoch).toBeTruthy();
    expect(epoch).not.toBe(before);
    expect(outcome.diff?.epoch).toBe(epoch);
  });

  it('fails a command for good (not retryable) when a stored member does not parse', async () => {
    const store = createRedisPresenceStore(pool, presenceRules);
    const topic = uniqueName('room');
    await redis.hset(presenceKeys.members({ tenant: 'acme', private: false, topic }), memberId('gw-1', 'c1', '1'), '{not json');
    const failure = await store.apply(command(topic), { partition: 0, offset: '1' }).then(() => null, (err: unknown) => err);
    expect(isRetryable(failure)).toBe(false);
    expect(errorCodeOf(failure)).toBe(ErrorCodes.UnknownError);
  });

  it('fails a command as retryable when Redis hangs, instead of waiting for ever', async () => {
    const hung = createRedisPool(singleRedis(server.url), 1, log, 500);
    try {
      const store = createRedisPresenceStore(hung, presenceRules);
      await redis.call('CLIENT', 'PAUSE', '2000', 'ALL');
      const failure = await store.apply(command(uniqueName('room')), { partition: 0, offset: '1' }).then(() => null, (err: unknown) => err);
      expect(isRetryable(failure)).toBe(true);
    } finally {
      await redis.call('CLIENT', 'UNPAUSE').catch(() => {});
      await hung.close();
    }
  });

  describe('channels without members keep no keys', () => {
    const keysOf = async (c: { tenant: string; private: boolean; topic: string }) =>
      (await Promise.all([presenceKeys.members(c), presenceKeys.state(c)].map((k) => redis.exists(k)))).reduce((a, b) => a + b, 0);

    it('after the last leave: the state expires at once, and is deleted once its diff was published', async () => {
      const store = createRedisPresenceStore(pool, presenceRules, Date.now, 60_000);
      const channel = { tenant: 'acme', private: false, topic: uniqueName('room') };
      await store.apply(command(channel.topic), { partition: 0, offset: '3' });
      await store.apply(command(channel.topic, { connection_id: 'c2', key: 'bob' }), { partition: 0, offset: '4' });
      expect(await redis.pttl(presenceKeys.state(channel))).toBe(-1);
      expect(await store.forgetIfEmpty(channel, { partition: 0, offset: '4' })).toBe(false); // members left
      await store.apply(command(channel.topic, { op: 'UNTRACK' }), { partition: 0, offset: '5' });
      const last = await store.apply(command(channel.topic, { op: 'UNTRACK', connection_id: 'c2' }), { partition: 0, offset: '6' });
      expect(last).toMatchObject({ kind: 'applied', members: 0, diff: { version: 7 } });
      // until the diff is acknowledged the state stays (a replay must find it), with an expiry
      expect(await redis.exists(presenceKeys.members(channel))).toBe(0);
      expect(await redis.pttl(presenceKeys.state(channel))).toBeGreaterThan(50_000);
      expect(await store.apply(command(channel.topic, { op: 'UNTRACK', connection_id: 'c2' }), { partition: 0, offset: '6' })).toEqual({ kind: 'republished', diff: last.diff });
      expect(await store.forgetIfEmpty(channel, { partition: 0, offset: '5' })).toBe(false); // not the last position
      expect(await store.forgetIfEmpty(channel, { partition: 0, offset: '6' })).toBe(true);
      expect(await keysOf(channel)).toBe(0);
      expect(await readSnapshot(redis, channel)).toMatchObject({ state: {}, version: 0 });
    });

    it('a channel that fills again loses its expiry, and its next life counts above the last one', async () => {
      const store = createRedisPresenceStore(pool, presenceRules, Date.now, 60_000);
      const channel = { tenant: 'acme', private: false, topic: uniqueName('room') };
      await store.apply(command(channel.topic), { partition: 0, offset: '10' });
      await store.apply(command(channel.topic, { op: 'UNTRACK' }), { partition: 0, offset: '11' });
      expect(await redis.pttl(presenceKeys.state(channel))).toBeGreaterThan(0);
      expect(await store.apply(command(channel.topic), { partition: 0, offset: '12' })).toMatchObject({ diff: { version: 13 } });
      expect(await redis.pttl(presenceKeys.state(channel))).toBe(-1);
      await store.apply(command(channel.topic, { op: 'UNTRACK' }), { partition: 0, offset: '13' });
      await store.forgetIfEmpty(channel, { partition: 0, offset: '13' });
      expect(await keysOf(channel)).toBe(0);
      expect(await store.apply(command(channel.topic), { partition: 0, offset: '20' })).toMatchObject({ diff: { version: 21 } });
    });

    it('after a dead node\'s NODE_DOWN: no channel key and no node key is left', async () => {
      const store = createRedisPresenceStore(pool, presenceRules, Date.now, 60_000);
      const node = uniqueName('gw');
      const channels = [uniqueName('a'), uniqueName('b')].map((topic) => ({ tenant: 'acme', private: false, topic }));
      for (const [i, c] of channels.entries()) await store.apply(command(c.topic, { node, connection_id: `c${i}` }), { partition: 0, offset: String(i) });
      for (const [i, c] of channels.entries()) {
        const at = { partition: 0, offset: String(10 + i) };
        await store.apply(command(c.topic, { node, op: 'NODE_DOWN', connection_id: '', join_ref: null, key: null, meta_json: null, phx_ref: null }), at);
        expect(await store.forgetIfEmpty(c, at)).toBe(true);
      }
      for (const c of channels) expect(await keysOf(c)).toBe(0);
      expect([await redis.exists(presenceKeys.nodeChannels(node)), await redis.sismember(presenceKeys.nodes, node)]).toEqual([0, 0]);
    });
  });
});
