// presence-service in-process against real Kafka (a topic prefix and consumer groups of its own)
// and a redis-server of its own (the node set and epoch are global keys): commands in, diffs out,
// as a gateway would see them; then a restart, a replay of the whole topic, a dead gateway node,
// and a Redis that lost its data.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import { createLogger } from '@realtime/log';
import { createAvroProducer, createKafka, ensureTopics, followTopic, recordKeys, topicNames, type AvroProducer, type Kafka } from '@realtime/kafka';
import { NODE_TTL_MS, presenceKeys, readSnapshot } from '@realtime/presence';
import type { PresenceCommand, PresenceDiff } from '@realtime/schemas';
import { startRedis, uniqueName, waitFor, type RedisServer } from '@realtime/testing';
import { presenceConfig } from './config.ts';
import { start } from './app.ts';

const log = createLogger({ service: 'presence-test', level: 'warn' });
const prefix = `${uniqueName('presence')}.`;
const topics = topicNames(prefix);
const tenant = 'acme';
let kafka: Kafka;
let producer: AvroProducer;
let redisServer: RedisServer;
let redis: Redis;
let app: Awaited<ReturnType<typeof start>> | undefined;
let reader: { stop(): Promise<void> };
const received: { diff: PresenceDiff; at: number }[] = [];

const config = () => presenceConfig.load({
  PRESENCE_LISTEN_PORT: '0', KAFKA_BROKERS: inject('infra').kafkaBrokers.join(','), KAFKA_TOPIC_PREFIX: prefix,
  REDIS_URL: redisServer.url, PRESENCE_GROUP_ID: `${prefix}presence`, METRICS_JWT_SECRET: 'metrics-secret-for-this-test-0123456789', LOG_LEVEL: 'warn',
}).config;

beforeAll(async () => {
  redisServer = await startRedis();
  redis = new Redis(redisServer.url);
  kafka = createKafka({ brokers: inject('infra').kafkaBrokers, clientId: 'presence-test', logger: log });
  await ensureTopics(kafka, prefix);
  producer = createAvroProducer(kafka, { idempotent: true });
  await producer.connect();
  reader = await followTopic<PresenceDiff>(kafka, {
    topic: topics.presenceEvents, schema: 'PresenceDiff', groupId: uniqueName('reader'), fromBeginning: true, logger: log,
    eachMessage: (key, diff) => {
      if (!diff) return;
      expect(key).toBe(recordKeys.channel(diff.tenant, diff.private, diff.topic));
      received.push({ diff, at: Date.now() });
    },
  });
  await keepAlive('gw-1');
  app = await start(config(), { log });
});
afterAll(async () => {
  await app?.close();
  await reader?.stop();
  await producer?.disconnect();
  redis?.disconnect();
  await redisServer?.stop();
});

/** The gateway node of most commands here stays alive (else the monitor removes its members). */
const keepAlive = (node: string) => redis.set(presenceKeys.alive(node), '1', 'PX', 600_000);
const send = (...commands: PresenceCommand[]) =>
  producer.send(topics.presenceCommands, 'PresenceCommand', commands.map((c) => ({ key: recordKeys.channel(c.tenant, c.private, c.topic), value: c })));
const cmd = (topic: string, patch: Partial<PresenceCommand>): PresenceCommand => ({
  tenant, topic, private: false, op: 'TRACK', node: 'gw-1', connection_id: 'c1', join_ref: '1', key: 'alice', meta_json: '{}', phx_ref: 'A', at: Date.now(), ...patch,
});
const leave = { key: null, meta_json: null, phx_ref: null };
const diffsOf = (topic: string) => received.filter((r) => r.diff.topic === topic).map((r) => r.diff);
const parsed = (d: PresenceDiff) => ({ version: d.version, joins: JSON.parse(d.joins_json), leaves: JSON.parse(d.leaves_json) });

describe('presence-service', () => {
  const room = uniqueName('room');
  const deadRoom = uniqueName('room'); // emptied by a dead node's NODE_DOWN

  it('turns track, update, identical re-track and untrack into diffs with increasing versions, and keeps no key of the emptied channel', async () => {
    await send(
      cmd(room, { meta_json: '{"status":"online"}', phx_ref: 'A' }),
      cmd(room, { meta_json: '{"status":"away"}', phx_ref: 'B' }),
      cmd(room, { meta_json: '{"status":"away"}', phx_ref: 'C' }), // identical: no diff
      cmd(room, { op: 'UNTRACK', ...leave }),
    );
    await waitFor(() => expect(diffsOf(room)).toHaveLength(3), { timeout: 20_000 });
    const v = diffsOf(room)[0]!.version; // a fresh channel counts from its first command's offset + 1
    expect(diffsOf(room).map(parsed)).toEqual([
      { version: v, joins: { alice: { metas: [{ status: 'online', phx_ref: 'A' }] } }, leaves: {} },
      { version: v + 1, joins: { alice: { metas: [{ status: 'away', phx_ref: 'B', phx_ref_prev: 'A' }] } }, leaves: { alice: { metas: [{ status: 'online', phx_ref: 'A' }] } } },
      { version: v + 2, joins: {}, leaves: { alice: { metas: [{ status: 'away', phx_ref: 'B' }] } } },
    ]);
    const channel = { tenant, private: false, topic: room };
    await waitFor(async () => expect(await redis.exists(presenceKeys.members(channel), presenceKeys.state(channel))).toBe(0));
    const snapshot = await readSnapshot(redis, channel);
    expect(snapshot).toEqual({ state: {}, version: 0, epoch: diffsOf(room)[0]!.epoch });
    expect(snapshot.epoch).not.toBe('');
  });

  it('keeps every channel in order when many channels share partitions and batches', async () => {
    const rooms = Array.from({ length: 40 }, () => uniqueName('busy'));
    const steps = 15;
    const commands: PresenceCommand[] = [];
    for (let i = 0; i < steps; i++) for (const r of rooms) commands.push(cmd(r, { meta_json: JSON.stringify({ i }), phx_ref: `r${i}` }));
    await send(...commands);
    await waitFor(() => expect(rooms.map((r) => diffsOf(r).length)).toEqual(rooms.map(() => steps)), { timeout: 30_000 });
    for (const r of rooms) {
      const first = diffsOf(r)[0]!.version;
      expect(diffsOf(r).map((d) => d.version)).toEqual(Array.from({ length: steps }, (_, i) => first + i));
      expect(diffsOf(r).map((d) => JSON.parse(d.joins_json).alice.metas[0].i)).toEqual(Array.from({ length: steps }, (_, i) => i));
    }
    expect((await readSnapshot(redis, { tenant, private: false, topic: rooms[0]! })).state).toEqual({ alice: { metas: [{ i: steps - 1, phx_ref: `r${steps - 1}` }] } });
  });

  it('serves /healthcheck, and /metrics only with a token signed by METRICS_JWT_SECRET', async () => {
    const url = `http://127.0.0.1:${app!.address.port}`;
    expect((await fetch(`${url}/healthcheck`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(403);
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('metrics-secret-for-this-test-0123456789'));
    const body = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(body).toMatch(/^realtime_presence_commands_total\{service="presence-service"\} [1-9]/m);
    expect(body).toMatch(/^realtime_presence_diffs_total\{service="presence-service"\} [1-9]/m);
    expect(body).toMatch(/^realtime_presence_nodes_down_total\{service="presence-service"\} 0$/m);
    // the 40 busy rooms keep alice; the first room is empty again
    expect(body).toMatch(/^realtime_presence_members\{service="presence-service"\} 40$/m);
    expect(body).toContain(`realtime_kafka_consumer_lag{topic="${topics.presenceCommands}",group="${prefix}presence",service="presence-service"}`);
  });

  it('removes the members of a gateway whose liveness key expired, within twice its TTL', async () => {
    const dead = uniqueName('gw');
    const alive = uniqueName('gw');
    const [a, b] = [uniqueName('room'), deadRoom];
    await keepAlive(alive);
    await redis.set(presenceKeys.alive(dead), '1', 'PX', NODE_TTL_MS);
    const lastRenewal = Date.now();
    await send(
      cmd(a, { node: dead, key: 'alice' }), cmd(a, { node: dead, connection_id: 'c2', key: 'carol' }),
      cmd(a, { node: alive, key: 'bob' }), cmd(b, { node: dead, key: 'alice' }),
    );
    await waitFor(() => expect([diffsOf(a).length, diffsOf(b).length]).toEqual([3, 1]), { timeout: 20_000 });
    expect(await redis.smembers(presenceKeys.nodeChannels(dead))).toHaveLength(2);

    await waitFor(() => expect([diffsOf(a).length, diffsOf(b).length]).toEqual([4, 2]), { timeout: NODE_TTL_MS * 2 });
    const leaves = received.filter((r) => r.diff === diffsOf(a)[3] || r.diff === diffsOf(b)[1]);
    expect(leaves).toHaveLength(2);
    for (const r of leaves) expect(r.at - lastRenewal).toBeLessThanOrEqual(NODE_TTL_MS * 2);
    expect(parsed(diffsOf(a)[3]!)).toEqual({ version: diffsOf(a)[0]!.version + 3, joins: {}, leaves: { alice: { metas: [{ phx_ref: 'A' }] }, carol: { metas: [{ phx_ref: 'A' }] } } });
    expect((await readSnapshot(redis, { tenant, private: false, topic: a })).state).toEqual({ bob: { metas: [{ phx_ref: 'A' }] } });
    await waitFor(async () => expect(await redis.sismember(presenceKeys.nodes, dead)).toBe(0));
    expect(await redis.exists(presenceKeys.nodeChannels(dead))).toBe(0);
    expect(await redis.sismember(presenceKeys.nodes, alive)).toBe(1);
    const emptied = { tenant, private: false, topic: b };
    await waitFor(async () => expect(await redis.exists(presenceKeys.members(emptied), presenceKeys.state(emptied))).toBe(0));
  });

  it('continues from its committed offsets after a restart', async () => {
    const before = received.length;
    await app!.close();
    app = undefined;
    await send(cmd(room, { key: 'dave', phx_ref: 'D' }));
    app = await start(config(), { log });
    await waitFor(() => expect(diffsOf(room)).toHaveLength(4), { timeout: 20_000 });
    // the room was empty and deleted: its next life counts on above the last one
    expect(parsed(diffsOf(room)[3]!)).toEqual({ version: expect.any(Number), joins: { dave: { metas: [{ phx_ref: 'D' }] } }, leaves: {} });
    expect(diffsOf(room)[3]!.version).toBeGreaterThan(diffsOf(room)[2]!.version);
    expect(received.length).toBe(before + 1); // nothing earlier was applied or published again
  });

  it('after a replay of the whole topic, re-publishes each channel\'s last diff, and re-plays emptied channels with their versions', async () => {
    await app!.close();
    app = undefined;
    const admin = kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId: `${prefix}presence`, topic: topics.presenceCommands, earliest: true });
    await admin.disconnect();
    // the channel the dead node left empty has no state any more: its history is applied again
    // (same versions, so gateways drop them as seen) and it ends empty again
    const emptied = diffsOf(deadRoom).map((d) => ({ ...d, at: expect.any(Number) }));
    const lastDiffs = new Map<string, PresenceDiff>();
    for (const { diff } of received) if (diff.topic !== deadRoom) lastDiffs.set(diff.topic, diff);
    const before = received.length;
    app = await start(config(), { log });
    await waitFor(() => expect(received.length).toBe(before + lastDiffs.size + emptied.length), { timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 1000)); // and nothing more
    expect(received.length).toBe(before + lastDiffs.size + emptied.length);
    const again = received.slice(before).map((r) => r.diff);
    expect(again.filter((d) => d.topic !== deadRoom).sort((x, y) => x.topic.localeCompare(y.topic)))
      .toEqual([...lastDiffs.values()].sort((x, y) => x.topic.localeCompare(y.topic)));
    expect(again.filter((d) => d.topic === deadRoom)).toEqual(emptied);
    const channel = { tenant, private: false, topic: deadRoom };
    await waitFor(async () => expect(await redis.exists(presenceKeys.members(channel), presenceKeys.state(channel))).toBe(0));
  });

  it('starts a new epoch when Redis lost its data, and a re-assert joins again in it', async () => {
    const epoch = diffsOf(room).at(-1)!.epoch;
    await redisServer.restart();
    await keepAlive('gw-1');
    await send(cmd(room, { op: 'REASSERT', key: 'dave', phx_ref: 'D' }));
    await waitFor(() => expect(diffsOf(room).at(-1)!.epoch).not.toBe(epoch), { timeout: 30_000 });
    const last = diffsOf(room).at(-1)!;
    expect(parsed(last)).toEqual({ version: expect.any(Number), joins: { dave: { metas: [{ phx_ref: 'D' }] } }, leaves: {} });
    expect(await redis.get(presenceKeys.epoch)).toBe(last.epoch);
  });
});
