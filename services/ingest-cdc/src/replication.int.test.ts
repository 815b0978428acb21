// A tenant's committed rows reach realtime.cdc in commit order, and a replication that stops
// abruptly and starts again from its slot loses nothing (duplicates are dropped by lsn+seq).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type pg from 'pg';
import { createLogger } from '@realtime/log';
import { createAvroProducer, createKafka, ensureTopics, followTopic, topicNames, type AvroProducer, type Kafka } from '@realtime/kafka';
import type { ChangeEvent } from '@realtime/schemas';
import { uniqueName, waitFor } from '@realtime/testing';
import { createKafkaChangeSink } from './adapters/kafka-change-sink.ts';
import { itemsDatabase } from '../test/items-database.ts';
import { startTenantReplication } from './replication.ts';
import { createReplicationSource } from './adapters/pg-replication-source.ts';

const log = createLogger({ service: 'test', level: 'warn' });
let kafka: Kafka;
let producer: AvroProducer;
let db: pg.Client;
let dbUrl: string;
const prefix = `${uniqueName('cdc')}.`;
const topics = topicNames(prefix);

beforeAll(async () => {
  const infra = inject('infra');
  ({ url: dbUrl, db } = await itemsDatabase(infra.pgUrl));
  kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'cdc-test', logger: log });
  await ensureTopics(kafka, prefix);
  producer = createAvroProducer(kafka, { idempotent: true });
  await producer.connect();
});
afterAll(async () => {
  await producer?.disconnect();
  await db?.end();
});

async function insert(from: number, count: number, perTxn: number) {
  for (let i = from; i < from + count; i += perTxn) {
    const ids = Array.from({ length: perTxn }, (_, k) => i + k);
    await db.query(`INSERT INTO items SELECT x, 'row ' || x FROM unnest($1::int[]) x`, [ids]);
  }
}

describe('tenant replication to realtime.cdc', () => {
  it('delivers every row in commit order, and nothing is lost across an abrupt restart', async () => {
    const seen: ChangeEvent[] = [];
    const reader = await followTopic<ChangeEvent>(kafka, { topic: topics.cdc, schema: 'ChangeEvent', groupId: uniqueName('g'), fromBeginning: true, logger: log, eachMessage: (_k, v) => void (v && seen.push(v)) });
    const options = { tenant: 'acme', connectionString: dbUrl, slot: uniqueName('slot'), publications: ['supabase_realtime'], sink: createKafkaChangeSink(producer, topics), nodeId: 'n1', maxRecordBytes: 1_048_576, log, sourceFactory: createReplicationSource };
    let replication = startTenantReplication(options);
    await replication.ready;
    await insert(0, 1000, 10);
    await waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(300), { timeout: 30_000 });
    await replication.stop(); // mid-stream: whatever was not confirmed is replayed from the slot
    await insert(1000, 1000, 10);
    replication = startTenantReplication(options);
    const unique = () => [...new Map(seen.map((e) => [`${e.commit_lsn_num}:${e.seq}`, e])).values()];
    await waitFor(() => expect(unique()).toHaveLength(2000), { timeout: 60_000 });
    const ids = unique().map((e) => (JSON.parse(e.record_json!) as { id: number }).id);
    expect(ids).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(unique()[0]).toMatchObject({ tenant: 'acme', schema: 'public', table: 'items', type: 'INSERT', pk_columns: ['id'] });
    await replication.stop();
    await reader.stop();
  });

  it('streams a transaction larger than the assembler holds in pieces: every row once, in order, then confirmed', async () => {
    const seen: ChangeEvent[] = [];
    const reader = await followTopic<ChangeEvent>(kafka, { topic: topics.cdc, schema: 'ChangeEvent', groupId: uniqueName('g'), fromBeginning: true, logger: log, eachMessage: (_k, v) => void (v && v.tenant === 'big' && seen.push(v)) });
    const replication = startTenantReplication({ tenant: 'big', connectionString: dbUrl, slot: uniqueName('slot'), publications: ['supabase_realtime'], sink: createKafkaChangeSink(producer, topics), nodeId: 'n1', maxRecordBytes: 1_048_576, log, sourceFactory: createReplicationSource });
    try {
      await replication.ready;
      await insert(10_000, 2500, 2500); // one transaction, 2.5 times DEFAULT_MAX_HELD_CHANGES
      await waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(2500), { timeout: 30_000 });
      expect(new Set(seen.map((e) => e.commit_lsn_num)).size).toBe(1);
      expect(seen.map((e) => e.seq)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
      expect(seen.map((e) => (JSON.parse(e.record_json!) as { id: number }).id)).toEqual(Array.from({ length: 2500 }, (_, i) => 10_000 + i));
      await waitFor(() => expect(replication.confirmedLsn).not.toBeNull(), { timeout: 10_000 });
    } finally {
      await replication.stop();
      await reader.stop();
    }
  });
});
