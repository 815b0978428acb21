// The stack on a 3-broker Kafka cluster (topics: replication factor 3, min.insync.replicas 2;
// producers acks=all + idempotent), and the broker leading the partition in use SIGKILLed:
// (a) while 10,000 committed rows stream through ingest-cdc to a supabase-js subscriber, and
// (b) while broadcasts flow from a client on one gateway to a client on the other.
// Clients see every change and every broadcast once, in commit / send order; presence still works
// after both kills. The time from each kill to the first delivery of something sent after it is
// printed for the CI log. This file runs its own cluster, since it kills its brokers.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import pg from 'pg';
import { topicNames, recordKeys } from '@realtime/kafka';
import { startKafkaCluster, waitFor, type KafkaCluster } from '@realtime/testing';
import { startStack, type Stack } from '@realtime/testing/stack';
import { client, closeClients, createTenant, subscribed, token, type TenantInfo } from './support/fixture.ts';
import { insertRows, prepareItemsTable, waitForSlotStreaming } from './support/cdc.ts';
import { asChange, changesReady } from './support/changes.ts';
import { presenceChannel, view } from './support/presence.ts';

let cluster: KafkaCluster;
let stack: Stack;
let tenant: TenantInfo;
let key: string;
let db: pg.Client;

beforeAll(async () => {
  cluster = await startKafkaCluster({ nodes: 3 });
  const { pgUrl, redisUrl } = inject('infra');
  stack = await startStack({
    infra: { kafkaBrokers: cluster.brokers, pgUrl, redisUrl, kafkaReplication: { factor: 3, minInsyncReplicas: 2 } },
    gateways: 2, ingestCdc: true, presence: true,
  });
  tenant = await createTenant(stack, { max_events_per_second: 100_000 });
  key = await token(tenant.jwtSecret);
  db = new pg.Client({ connectionString: tenant.dbUrl });
  await db.connect();
  await prepareItemsTable(db);
  report(`cluster of 3 started in ${cluster.startupMs} ms`);
}, 180_000);

afterAll(async () => {
  await closeClients();
  await db?.end();
  await stack?.stop();
  await cluster?.stop();
});

const report = (line: string) => void process.stderr.write(`[kafka-cluster] ${line}\n`);
const topics = () => topicNames(stack.topicPrefix);
/** Brings the killed broker back and waits until it is in sync again, so the next kill is safe. */
const revive = (node: number) => cluster.restart(node, Object.values(topics()));

it('creates the topics with replication factor 3 and min.insync.replicas 2', async () => {
  const { Kafka } = await import('kafkajs');
  const admin = new Kafka({ brokers: cluster.brokers, clientId: 'check' }).admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [topics().cdc, topics().broadcast] });
    for (const t of meta.topics) for (const p of t.partitions) expect(p.replicas).toHaveLength(3);
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topics().cdc, configNames: ['min.insync.replicas'] }] });
    expect(resources[0]!.configEntries[0]!.configValue).toBe('2');
  } finally {
    await admin.disconnect();
  }
});

it('delivers 10,000 committed rows once each, in commit order, across a SIGKILL of the cdc partition leader', async () => {
  const arrivals: { id: number; at: number }[] = [];
  const channel = client(stack.gateways[0]!.port, tenant.externalId, key).channel('items-feed')
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'items' }, (p) => void arrivals.push({ id: asChange(p).new.id as number, at: Date.now() }));
  await changesReady(channel);
  await waitForSlotStreaming(db);

  const leader = await cluster.leaderOf(topics().cdc, recordKeys.tenant(tenant.externalId));
  let killedAt = 0;
  let firstIdAfterKill = -1;
  const rows = 10_000;
  const perTxn = 500;
  await insertRows(db, rows, perTxn, async () => {
    await cluster.kill(leader);
    killedAt = Date.now();
    firstIdAfterKill = rows / 2 + perTxn; // insertRows kills after the statement that passed half-way
  });
  await waitFor(() => expect(arrivals.length).toBeGreaterThanOrEqual(rows), { timeout: 90_000, interval: 250 });
  const resumed = arrivals.find((a) => a.id === firstIdAfterKill)!.at - killedAt;
  report(`cdc: leader node ${leader} of the tenant's cdc partition SIGKILLed; first row committed after it delivered ${resumed} ms later`);
  await new Promise((r) => setTimeout(r, 1000)); // a late duplicate would arrive now
  expect(arrivals.map((a) => a.id)).toEqual(Array.from({ length: rows }, (_, i) => i));
  await channel.unsubscribe();
  await revive(leader);
}, 150_000);

it('delivers broadcasts across gateways once each, in send order, across a SIGKILL of the broadcast partition leader', async () => {
  const topic = 'fan';
  // ack: each send waits for the gateway's reply, as an app that paces itself (a client that
  // floods a gateway stalled for a moment has its frames past the socket's queue dropped)
  const sender = client(stack.gateways[0]!.port, tenant.externalId, key).channel(topic, { config: { broadcast: { ack: true } } });
  const receiver = client(stack.gateways[1]!.port, tenant.externalId, key).channel(topic);
  const got: { n: number; at: number }[] = [];
  receiver.on('broadcast', { event: 'tick' }, (m) => void got.push({ n: (m.payload as { n: number }).n, at: Date.now() }));
  await subscribed(receiver);
  await subscribed(sender);

  const leader = await cluster.leaderOf(topics().broadcast, recordKeys.channel(tenant.externalId, false, topic));
  const total = 2000;
  let killedAt = 0;
  for (let n = 0; n < total; n++) {
    if (n === total / 2) {
      await cluster.kill(leader);
      killedAt = Date.now();
    }
    expect(await sender.send({ type: 'broadcast', event: 'tick', payload: { n } })).toBe('ok');
  }
  await waitFor(() => expect(got.length).toBeGreaterThanOrEqual(total), { timeout: 60_000, interval: 250 });
  const resumed = got.find((m) => m.n === total / 2)!.at - killedAt;
  report(`broadcast: leader node ${leader} of the channel's partition SIGKILLed; first broadcast sent after it delivered ${resumed} ms later`);
  await new Promise((r) => setTimeout(r, 1000));
  expect(got.map((m) => m.n)).toEqual(Array.from({ length: total }, (_, n) => n));
  await revive(leader);
}, 120_000);

it('presence still syncs across the gateways after both kills', async () => {
  const a = await presenceChannel(stack.gateways[0]!.port, tenant.externalId, key, 'after-kills', 'a');
  const b = await presenceChannel(stack.gateways[1]!.port, tenant.externalId, key, 'after-kills', 'b');
  expect(await a.track({ n: 1 })).toBe('ok');
  expect(await b.track({ n: 2 })).toBe('ok');
  for (const c of [a, b]) await waitFor(() => expect(view(c)).toEqual({ a: [{ n: 1 }], b: [{ n: 2 }] }), { timeout: 30_000 });
});
