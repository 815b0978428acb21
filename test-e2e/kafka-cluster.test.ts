// The stack on a 3-broker Kafka cluster (topics: replication factor 3, min.insync.replicas 2;
// producers acks=all + idempotent), and the broker leading the partition in use SIGKILLed:
// while 10,000 committed rows stream through ingest-cdc to a supabase-js subscriber and, at the
// same time, broadcasts flow from a client on one gateway to a client on the other.
// One SIGKILL serves both: the channel is picked so that the same broker leads both partitions.
// Clients see every change and every broadcast once, in commit / send order; presence still works
// on the two brokers left. The time from the kill to the first delivery of something sent after
// it is printed for the CI log. This file runs its own cluster, since it kills one of its brokers.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import pg from 'pg';
import { createKafka, recordKeys, topicNames } from '@realtime/kafka';
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

it('creates the topics with replication factor 3 and min.insync.replicas 2', async () => {
  const admin = createKafka({ brokers: cluster.brokers, clientId: 'replication-check' }).admin();
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

it('delivers 10,000 committed rows and a broadcast flow once each, in order, across a SIGKILL of the broker leading both', async () => {
  const changes: { id: number; at: number }[] = [];
  const feed = client(stack.gateways[0]!.port, tenant.externalId, key).channel('items-feed')
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'items' }, (p) => void changes.push({ id: asChange(p).new.id as number, at: Date.now() }));
  await changesReady(feed);
  await waitForSlotStreaming(db);

  // One kill for both flows: a channel whose broadcast partition has the same leader as the
  // tenant's cdc partition (with min.insync.replicas 2, a second kill would stop all writes).
  const leader = await cluster.leaderOf(topics().cdc, recordKeys.tenant(tenant.externalId));
  let topic = '';
  for (let i = 0; !topic; i++) if ((await cluster.leaderOf(topics().broadcast, recordKeys.channel(tenant.externalId, false, `fan-${i}`))) === leader) topic = `fan-${i}`;
  // ack: each send waits for the gateway's reply, as an app that paces itself (a client that
  // floods a gateway stalled for a moment has its frames past the socket's queue dropped)
  const sender = client(stack.gateways[0]!.port, tenant.externalId, key).channel(topic, { config: { broadcast: { ack: true } } });
  const receiver = client(stack.gateways[1]!.port, tenant.externalId, key).channel(topic);
  const broadcasts: { n: number; at: number }[] = [];
  receiver.on('broadcast', { event: 'tick' }, (m) => void broadcasts.push({ n: (m.payload as { n: number }).n, at: Date.now() }));
  await subscribed(receiver);
  await subscribed(sender);

  let killedAt = 0;
  let firstSentAfterKill = -1;
  /** Broadcasts from before the kill until 500 after it; resolves with how many were sent. */
  const flow = (async () => {
    for (let n = 0; ; n++) {
      if (killedAt && firstSentAfterKill < 0) firstSentAfterKill = n;
      if (firstSentAfterKill >= 0 && n === firstSentAfterKill + 500) return n;
      // The ack of a send caught by the kill waits for the new leader (6-13 s measured here):
      // longer than realtime-js' default 10 s push timeout, and a resend could duplicate it.
      expect(await sender.send({ type: 'broadcast', event: 'tick', payload: { n } }, { timeout: 45_000 })).toBe('ok');
      // Paced under the gateway's 1,000 inbound frames/s per socket (GATEWAY_MAX_FRAMES_PER_SECOND):
      // on an idle machine acks come back in well under a millisecond, and frames over the rate
      // are dropped unanswered, which the send would see as a time-out.
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  const rows = 10_000;
  const perTxn = 500;
  await insertRows(db, rows, perTxn, async () => {
    await cluster.kill(leader);
    killedAt = Date.now();
  });
  const sent = await flow;
  await waitFor(() => expect(changes.length).toBeGreaterThanOrEqual(rows), { timeout: 90_000, interval: 250 });
  await waitFor(() => expect(broadcasts.length).toBeGreaterThanOrEqual(sent), { timeout: 60_000, interval: 250 });

  // insertRows kills after the statement that passed half-way: rows from rows/2 + perTxn on came after
  const cdcResumed = changes.find((c) => c.id === rows / 2 + perTxn)!.at - killedAt;
  const broadcastResumed = broadcasts.find((b) => b.n === firstSentAfterKill)!.at - killedAt;
  report(`node ${leader}, leader of the tenant's cdc partition and of channel ${topic}'s broadcast partition, SIGKILLed`);
  report(`cdc: first row committed after the kill delivered ${cdcResumed} ms after it (${rows} rows)`);
  report(`broadcast: first broadcast sent after the kill delivered ${broadcastResumed} ms after it (${sent} broadcasts, ${firstSentAfterKill} before the kill)`);
  await new Promise((r) => setTimeout(r, 1000)); // a late duplicate would arrive now
  expect(changes.map((c) => c.id)).toEqual(Array.from({ length: rows }, (_, i) => i));
  expect(broadcasts.map((b) => b.n)).toEqual(Array.from({ length: sent }, (_, n) => n));
}, 150_000);

it('presence still syncs across the gateways on the two brokers left', async () => {
  const a = await presenceChannel(stack.gateways[0]!.port, tenant.externalId, key, 'after-kills', 'a');
  const b = await presenceChannel(stack.gateways[1]!.port, tenant.externalId, key, 'after-kills', 'b');
  expect(await a.track({ n: 1 })).toBe('ok');
  expect(await b.track({ n: 2 })).toBe('ok');
  for (const c of [a, b]) await waitFor(() => expect(view(c)).toEqual({ a: [{ n: 1 }], b: [{ n: 2 }] }), { timeout: 30_000 });
});
