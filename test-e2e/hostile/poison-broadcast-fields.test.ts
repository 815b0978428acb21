// Hostile: broadcasts whose topic or event a binary (kind 4) frame cannot carry, from every entry
// (WebSocket, both REST routes, realtime.send in the tenant database) and, for a record that got
// into realtime.broadcast anyway, straight into Kafka. Each is refused or skipped with a clear
// error; afterwards the gateways still consume realtime.broadcast for everyone, the slot still
// moves, and /api/ping still answers within a second.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type pg from 'pg';
import { createKafka, recordKeys, topicNames } from '@realtime/kafka';
import { createLogger } from '@realtime/log';
import { encode } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { waitFor } from '@realtime/testing';
import { client, collect, createTenant, subscribed, token, useTenantStack, type TenantInfo } from '../support/fixture.ts';
import { tenantDb } from '../support/changes.ts';
import { waitForSlotStreaming } from '../support/cdc.ts';

const t = useTenantStack({ gateways: 2, ingestCdc: true });
const LONG_EVENT = 'e'.repeat(300);
let db: pg.Client;
let healthy: TenantInfo;
let healthyKey: string;

beforeAll(async () => {
  db = await tenantDb(t.tenant.dbUrl);
  await waitForSlotStreaming(db);
  healthy = await createTenant(t.stack);
  healthyKey = await token(healthy.jwtSecret);
}, 60_000);
afterAll(async () => {
  await db?.end();
});

async function metrics(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${await token(t.stack.metricsJwtSecret, {})}` } });
  return res.text();
}
const series = (text: string, name: string, labels: string) =>
  Number(new RegExp(`^${name}\\{${labels.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

/** Everyone else is still served: a broadcast between the two gateways for the healthy tenant arrives, ping answers fast. */
async function othersStillServed(room: string) {
  const sender = client(t.port(0), healthy.externalId, healthyKey).channel(room);
  const receiver = client(t.port(1), healthy.externalId, healthyKey).channel(room);
  const got = collect<any>(receiver, 'ok');
  await Promise.all([subscribed(sender), subscribed(receiver)]);
  expect(await sender.send({ type: 'broadcast', event: 'ok', payload: { n: 1 } })).toBe('ok');
  await waitFor(() => expect(got.map((m) => m.payload.n)).toEqual([1]), { timeout: 10_000 });
  for (const i of [0, 1]) {
    const started = performance.now();
    const res = await fetch(`http://${t.tenant.externalId}.localhost:${t.port(i)}/api/ping`, { signal: AbortSignal.timeout(1_000) });
    expect([res.status, performance.now() - started < 1_000]).toEqual([200, true]);
  }
}

/** Σ over the gateways' groups and partitions of end offset − committed offset on `topic`. */
async function gatewayLag(kafka: ReturnType<typeof createKafka>, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith('gateway-'));
    let lag = 0;
    for (const groupId of groups) {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      for (const p of offsets?.partitions ?? []) if (p.offset !== '-1') lag += ends.get(p.partition)! - Number(p.offset);
    }
    expect(groups.length).toBeGreaterThanOrEqual(2);
    return lag;
  } finally {
    await admin.disconnect();
  }
}

describe('broadcast fields too long for a binary frame', () => {
  it('WebSocket: the sender gets an error reply, subscribers get nothing, the gateway counts it', async () => {
    const sender = client(t.port(0), t.tenant.externalId, t.key, { vsn: '1.0.0' }).channel('room', { config: { broadcast: { ack: true } } });
    const listener = client(t.port(1), t.tenant.externalId, t.key).channel('room');
    const got = collect(listener);
    await Promise.all([subscribed(sender), subscribed(listener)]);
    expect(await sender.send({ type: 'broadcast', event: LONG_EVENT, payload: {} })).toBe('error');
    expect(await sender.send({ type: 'broadcast', event: 'fine', payload: {} })).toBe('ok');
    await waitFor(() => expect(got).toHaveLength(1));
    expect(got).toMatchObject([{ event: 'fine' }]); // the refused one, sent first, would have come first
    expect(series(await metrics(t.stack.gateways[0]!.url), 'realtime_channel_broadcasts_refused_total', 'reason="event_too_long"')).toBe(1);
  });

  it('REST: both routes answer 422 naming the field, and publish nothing', async () => {
    const base = `http://${t.tenant.externalId}.localhost:${t.port(0)}/api/broadcast`;
    const headers = { apikey: t.key, authorization: `Bearer ${t.key}`, 'content-type': 'application/json' };
    const batch = await fetch(base, { method: 'POST', headers, body: JSON.stringify({ messages: [{ topic: 'room', event: LONG_EVENT, payload: {} }] }) });
    expect([batch.status, await batch.json()]).toEqual([422, { errors: { messages: [{ event: ['should be at most 255 byte(s)'] }] } }]);
    const single = await fetch(`${base}/room/events/${LONG_EVENT}`, { method: 'POST', headers, body: '{}' });
    expect([single.status, await single.json()]).toEqual([422, { errors: { event: ['should be at most 255 byte(s)'] } }]);
    const topic = await fetch(`${base}/${'t'.repeat(300)}/events/e`, { method: 'POST', headers, body: '{}' });
    expect([topic.status, await topic.json()]).toEqual([422, { errors: { topic: ['should be at most 246 byte(s)'] } }]);
  });

  it('realtime.send with a 300-byte topic or a 1.2 MB payload: ingest-cdc skips the row, and the next send still arrives', async () => {
    const listener = client(t.port(1), t.tenant.externalId, t.key).channel('after');
    const got = collect<any>(listener, 'db');
    await subscribed(listener);
    await db.query(`SELECT realtime.send('{"n": 0}', 'db', repeat('t', 300), false)`);
    await db.query(`SELECT realtime.send(jsonb_build_object('n', 0, 'big', repeat('x', 1200000)), 'db', 'after', false)`);
    await db.query(`SELECT realtime.send('{"n": 1}', 'db', 'after', false)`);
    await waitFor(() => expect(got.map((m) => m.payload.n)).toEqual([1]), { timeout: 15_000 });
    const text = await metrics(t.stack.ingestCdc!.url);
    expect(series(text, 'realtime_cdc_broadcasts_skipped_total', 'reason="topic_too_long"')).toBe(1);
    expect(series(text, 'realtime_cdc_broadcasts_skipped_total', 'reason="payload_too_large"')).toBe(1);
  });

  it('a flood of 7,000 realtime.send in one transaction: a window of the tenant\'s events per second goes out, the rest skipped, then its sends are dropped while its limit is tripped', async () => {
    // The reference lets everything through until its rate counter's next tick (docs/PROTOCOL.md §9); ingest-cdc
    // caps one tick at a full window's worth (100/s × 60 s), which trips the counter anyway.
    const listener = client(t.port(1), t.tenant.externalId, t.key).channel('flood');
    const got = collect<any>(listener, 'db');
    await subscribed(listener);
    const skipped = async () => series(await metrics(t.stack.ingestCdc!.url), 'realtime_cdc_broadcasts_skipped_total', 'reason="rate_limited"');
    const before = await skipped();
    await db.query(`SELECT realtime.send(jsonb_build_object('n', i), 'db', 'flood', false) FROM generate_series(1, 7000) AS i`);
    await waitFor(async () => expect(await skipped() - before).toBeGreaterThanOrEqual(1_000), { timeout: 15_000 });
    // the previous test's sends may share the tick and use up a little of its allowance
    expect(await skipped() - before).toBeLessThan(1_010);
    await waitFor(() => expect(got.length).toBeGreaterThan(0), { timeout: 15_000 });
    expect(got.length).toBeLessThanOrEqual(6_000);
    // At the counter's next tick (commit time) the average is far over 100/s: sends are skipped.
    await waitFor(async () => {
      await db.query(`SELECT realtime.send('{"n": 0}', 'db', 'flood', false)`);
      expect(await skipped() - before).toBeGreaterThan(1_010);
    }, { timeout: 20_000, interval: 1_000 });
    await othersStillServed('after-flood');
  });

  it('a poison record already in realtime.broadcast is skipped by every gateway, which keep consuming for all tenants', async () => {
    const victim = client(t.port(1), t.tenant.externalId, t.key, { vsn: '2.0.0' }).channel('poisoned');
    await subscribed(victim);
    // What a gateway of the old code published for a 300-byte event: a UserBroadcast its peers cannot encode.
    const kafka = createKafka({ brokers: inject('infra').kafkaBrokers, clientId: 'hostile-test', logger: createLogger({ service: 'hostile-test', level: 'silent' }) });
    const producer = kafka.producer();
    await producer.connect();
    const poison = { ...sampleRecords.BroadcastMessage, tenant: t.tenant.externalId, topic: 'poisoned', private: false, event: LONG_EVENT, origin_node: 'old-gateway' };
    await producer.send({ topic: topicNames(t.stack.topicPrefix).broadcast, messages: [{ key: recordKeys.channel(t.tenant.externalId, false, 'poisoned'), value: encode('BroadcastMessage', poison) }] });
    await producer.disconnect();
    const broadcastTopic = topicNames(t.stack.topicPrefix).broadcast;
    await waitFor(async () => expect(series(await metrics(t.stack.gateways[1]!.url), 'realtime_consumer_records_skipped_total', `topic="${broadcastTopic}",reason="handler_error"`)).toBe(1), { timeout: 15_000 });
    await othersStillServed('after-poison');
    await waitFor(async () => expect(await gatewayLag(kafka, broadcastTopic)).toBe(0), { timeout: 15_000 }); // nobody is stuck on it
  });
});
