// The audit hash chain against real Postgres and Kafka (docs/ARCHITECTURE.md "Audit trail"): one
// tenant's replication moves to another worker (its own producer, a clean hand-over), and that
// worker then loses a Kafka acknowledgement for a batch Kafka did write (the ambiguous failure of
// a producer), so its stream restarts from the slot and the slot replays that batch. The chain must
// continue through both, never fork, and hold each change once; the range verifies against the
// checkpoints both workers signed.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type pg from 'pg';
import { generateAuditKeys, parseSigningKey, parseVerifyKey, signCheckpoint } from '@realtime/audit';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import { createLogger } from '@realtime/log';
import { createAvroProducer, createKafka, ensureTopics, followTopic, recordKeys, topicNames, type AvroProducer, type Kafka } from '@realtime/kafka';
import { parseReplayRange, verifyChanges, type ReplayRange } from '@realtime/replay';
import type { CdcCheckpoint, ChangeEvent } from '@realtime/schemas';
import { uniqueName, waitFor } from '@realtime/testing';
import { createKafkaChangeSink } from './adapters/kafka-change-sink.ts';
import { itemsDatabase } from '../test/items-database.ts';
import { createKafkaChainHeads } from './adapters/kafka-chain-heads.ts';
import { createReplicationSource } from './adapters/pg-replication-source.ts';
import { startTenantReplication } from './replication.ts';
import type { ChangeSink } from './ports.ts';

const log = createLogger({ service: 'test', level: 'warn' });
const TENANT = 'acme';
const prefix = `${uniqueName('chain')}.`;
const topics = topicNames(prefix);
const keys = generateAuditKeys();
const signingKey = parseSigningKey(keys.privateKey);
let kafka: Kafka;
let db: pg.Client;
let dbUrl: string;
const producers: AvroProducer[] = [];

beforeAll(async () => {
  const infra = inject('infra');
  ({ url: dbUrl, db } = await itemsDatabase(infra.pgUrl));
  kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'chain-test', logger: log });
  await ensureTopics(kafka, prefix);
});
afterAll(async () => {
  await Promise.all(producers.map((p) => p.disconnect()));
  await db?.end();
});

async function insert(from: number, count: number, perTxn: number) {
  for (let i = from; i < from + count; i += perTxn) {
    await db.query(`INSERT INTO items SELECT x, 'row ' || x FROM generate_series($1::int, $2::int) x`, [i, i + perTxn - 1]);
  }
}

/** One ingest-cdc worker's replication of the tenant: its own idempotent producer, chain heads and checkpoints. */
async function worker(node: string, slot: string, wrap: (sink: ChangeSink) => ChangeSink = (s) => s) {
  const producer = createAvroProducer(kafka, { idempotent: true });
  await producer.connect();
  producers.push(producer);
  return startTenantReplication({
    tenant: TENANT, connectionString: dbUrl, slot, publications: ['supabase_realtime'], nodeId: node, maxRecordBytes: 1_048_576, log,
    sink: wrap(createKafkaChangeSink(producer, topics, log)), sourceFactory: createReplicationSource,
    chainHeads: createKafkaChainHeads(kafka, topics.cdc, log),
    checkpoints: {
      intervalMs: 200,
      sign: (tenant, head) => signCheckpoint(tenant, head, { key: signingKey, node, signedAt: Date.now() }),
      sink: { publish: async (c) => void (await producer.send(topics.cdcCheckpoints, 'CdcCheckpoint', [{ key: recordKeys.tenant(c.tenant), value: c }])) },
    },
  });
}

/** Kafka writes the first batch of changes, but the worker hears a failure: what a lost acknowledgement looks like. */
function losesOneAck(sink: ChangeSink): ChangeSink & { lost: number } {
  const wrapped = {
    lost: 0,
    async publish(batch: Parameters<ChangeSink['publish']>[0]) {
      await sink.publish(batch);
      if (wrapped.lost === 0 && batch.changes.length > 0) {
        wrapped.lost = batch.changes.length;
        throw new RealtimeError(ErrorCodes.KafkaUnavailable, 'acknowledgement lost (test)', { retryable: true });
      }
    },
  };
  return wrapped;
}

describe('the audit hash chain of a tenant', () => {
  it('continues across a hand-over to another worker and a restart that replays a batch Kafka already has: once each, one chain, verified', async () => {
    const seen: ChangeEvent[] = [];
    const checkpoints: CdcCheckpoint[] = [];
    const readers = await Promise.all([
      followTopic<ChangeEvent>(kafka, { topic: topics.cdc, schema: 'ChangeEvent', groupId: uniqueName('g'), fromBeginning: true, logger: log, eachMessage: (_k, v) => void (v && seen.push(v)) }),
      followTopic<CdcCheckpoint>(kafka, { topic: topics.cdcCheckpoints, schema: 'CdcCheckpoint', groupId: uniqueName('g'), fromBeginning: true, logger: log, eachMessage: (_k, v) => void (v && checkpoints.push(v)) }),
    ]);
    const slot = uniqueName('slot');
    try {
      const first = await worker('worker-1', slot);
      await first.ready;
      await insert(0, 300, 10);
      await waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(100), { timeout: 30_000 });
      await first.stop(); // hand-over: in-flight publishes land, the last head is signed, the slot is released
      await insert(300, 300, 10); // committed while no worker replicates

      let flaky!: ReturnType<typeof losesOneAck>;
      const second = await worker('worker-2', slot, (s) => (flaky = losesOneAck(s)));
      await waitFor(() => expect(new Set(seen.map((e) => `${e.commit_lsn_num}:${e.seq}`)).size).toBe(600), { timeout: 60_000 });
      await waitFor(() => expect(second.confirmedLsn).not.toBeNull(), { timeout: 10_000 });
      await second.stop();
      expect(flaky.lost).toBeGreaterThan(0); // the restart from the slot did happen, with a batch to replay

      // Once each, in commit order: what Kafka already had was not sent again.
      expect(seen).toHaveLength(600);
      expect(seen.map((e) => (JSON.parse(e.record_json!) as { id: number }).id)).toEqual(Array.from({ length: 600 }, (_, i) => i));
      // One chain: only its very first record starts it.
      expect(seen.filter((e) => e.prev_hash === null)).toHaveLength(1);
      expect(seen[0]!.prev_hash).toBeNull();
      await waitFor(() => expect(new Set(checkpoints.map((c) => c.node))).toEqual(new Set(['worker-1', 'worker-2'])), { timeout: 10_000 });

      const range = (parseReplayRange({ from: '0/0' }) as { ok: true; range: ReplayRange }).range;
      const report = await verifyChanges(kafka, { topics, tenant: TENANT, range, publicKey: parseVerifyKey(keys.publicKey), logger: log });
      expect(report.problems).toEqual([]);
      expect(report).toMatchObject({ ok: true, records: 600, checkpoints: { inRange: checkpoints.length, matched: checkpoints.length } });
      // the last head signed on stop covers the very last record
      expect(report.lastCheckpoint).toEqual(report.last);
    } finally {
      await Promise.all(readers.map((r) => r.stop()));
    }
  });
});
