// @realtime/kafka against a real broker: topic creation, the compacted-table reader, the fan-out
// follower and Avro records end to end. Each test works under a topic prefix of its own.
import { afterEach, describe, expect, inject, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '@realtime/log';
import type { BroadcastMessage, ChangeEvent, TenantSnapshot } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { uniqueName, waitFor } from '@realtime/testing';
import {
  createAvroProducer, createKafka, ensureTopics, followTopic, readCompactedTable, topicNames, type AvroProducer, type Reader,
} from './index.ts';

const infra = inject('infra');
const log = createLogger({ service: 'kafka-int-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'kafka-int-test', logger: log });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<{ topics: ReturnType<typeof topicNames>; producer: AvroProducer }> {
  const prefix = `${uniqueName('t')}.`;
  await ensureTopics(kafka, prefix);
  const producer = createAvroProducer(kafka, { idempotent: true });
  await producer.connect();
  cleanups.push(() => producer.disconnect());
  return { topics: topicNames(prefix), producer };
}
const track = (reader: Reader) => (cleanups.push(() => reader.stop()), reader);
const tenant = (external_id: string, version: number): TenantSnapshot => ({ ...sampleRecords.TenantSnapshot, external_id, version });

describe('ensureTopics', () => {
  it('creates topics with the replication settings: min.insync.replicas set per topic, a factor above the brokers refused', async () => {
    const prefix = `${uniqueName('t')}.`;
    await ensureTopics(kafka, prefix, {}, { topicReplicationFactor: 1, topicMinInsyncReplicas: 1 });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topicNames(prefix).cdc, configNames: ['min.insync.replicas'] }] });
      // configSource 1: set on the topic itself, not the broker's default
      expect(resources[0]!.configEntries).toMatchObject([{ configName: 'min.insync.replicas', configValue: '1', configSource: 1 }]);
    } finally {
      await admin.disconnect();
    }
    await expect(ensureTopics(kafka, `${uniqueName('t')}.`, {}, { topicReplicationFactor: 2 })).rejects.toThrow(/creating topics .* failed \(INVALID_REPLICATION_FACTOR: KAFKA_TOPIC_REPLICATION_FACTOR 2 is more than the brokers the cluster has\)/);
  });

  it('creates every topic once, with its policy, and tolerates repeated and concurrent calls', async () => {
    const prefix = `${uniqueName('t')}.`;
    const results = await Promise.all([ensureTopics(kafka, prefix), ensureTopics(kafka, prefix), ensureTopics(kafka, prefix)]);
    expect(new Set(results.flat())).toEqual(new Set(Object.values(topicNames(prefix))));
    expect(await ensureTopics(kafka, prefix)).toEqual([]);

    const admin = kafka.admin();
    await admin.connect();
    try {
      const names = topicNames(prefix);
      const { topics } = await admin.fetchTopicMetadata({ topics: [names.tenants, names.usage] });
      expect(Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]))).toEqual({ [names.tenants]: 8, [names.usage]: 4 });
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [names.tenants, names.broadcast].map((name) => ({ type: 2, name, configNames: ['cleanup.policy', 'retention.ms'] })),
      });
      const value = (topic: string, key: string) =>
        configs.resources.find((r) => r.resourceName === topic)?.configEntries.find((c) => c.configName === key)?.configValue;
      expect(value(names.tenants, 'cleanup.policy')).toBe('compact');
      expect(value(names.broadcast, 'retention.ms')).toBe('3600000');
    } finally {
      await admin.disconnect();
    }
  });
});

describe('AvroProducer.send', () => {
  it('sends more records to one partition than fit in one record batch (1 MiB), in order', async () => {
    const { topics, producer } = await setup();
    const change = (seq: number): ChangeEvent => ({ ...sampleRecords.ChangeEvent, seq, record_json: JSON.stringify({ id: seq, v: 'x'.repeat(200) }) });
    const records = Array.from({ length: 8000 }, (_, seq) => ({ key: 'one-tenant', value: change(seq) })); // ~3 MB
    await producer.send(topics.cdc, 'ChangeEvent', records);
    const seqs: number[] = [];
    track(await followTopic<ChangeEvent>(kafka, {
      topic: topics.cdc, schema: 'ChangeEvent', groupId: uniqueName('g'), fromBeginning: true, logger: log,
      eachMessage: (_key, value) => void seqs.push(value!.seq),
    }));
    await waitFor(() => expect(seqs).toHaveLength(8000), { timeout: 30_000 });
    expect(seqs).toEqual(records.map((r) => r.value.seq));
  });
});

describe('readCompactedTable', () => {
  it('is loaded when it resolves: the latest value per key, tombstones deleted; then it follows', async () => {
    const { topics, producer } = await setup();
    await producer.send(topics.tenants, 'TenantSnapshot', [
      { key: 'a', value: tenant('a', 1) }, { key: 'b', value: tenant('b', 1) }, { key: 'c', value: tenant('c', 1) },
    ]);
    await producer.send(topics.tenants, 'TenantSnapshot', [{ key: 'a', value: tenant('a', 2) }, { key: 'c', value: null }]);

    const table = new Map<string, TenantSnapshot>();
    track(await readCompactedTable<TenantSnapshot>(kafka, {
      topic: topics.tenants, schema: 'TenantSnapshot', logger: log,
      onRecord: (key, value) => void (value ? table.set(key, value) : table.delete(key)),
    }));
    // no waitFor: resolving means caught up
    expect([...table.keys()].sort()).toEqual(['a', 'b']);
    expect(table.get('a')?.version).toBe(2);

    await producer.send(topics.tenants, 'TenantSnapshot', [{ key: 'b', value: null }, { key: 'd', value: tenant('d', 1) }]);
    await waitFor(() => expect([...table.keys()].sort()).toEqual(['a', 'd']), { timeout: 15_000 });
  });

  it('resolves at once on an empty topic', async () => {
    const { topics } = await setup();
    const seen: string[] = [];
    track(await readCompactedTable(kafka, { topic: topics.limits, schema: 'LimitDecision', logger: log, onRecord: (key) => void seen.push(key) }));
    expect(seen).toEqual([]);
  });
});

describe('followTopic', () => {
  it('starts at the end and receives every record produced after it resolves', async () => {
    const { topics, producer } = await setup();
    const message = (key: string): BroadcastMessage => ({ ...sampleRecords.BroadcastMessage, id: key, topic: key });
    await producer.send(topics.broadcast, 'BroadcastMessage', [{ key: 'old', value: message('old') }]);

    const received: string[] = [];
    track(await followTopic<BroadcastMessage>(kafka, {
      topic: topics.broadcast, schema: 'BroadcastMessage', groupId: uniqueName('gateway'), logger: log,
      eachMessage: (_key, value) => void received.push(value!.id),
    }));
    const keys = Array.from({ length: 20 }, (_, i) => `new-${i}`); // spread over all 8 partitions
    await producer.send(topics.broadcast, 'BroadcastMessage', keys.map((k) => ({ key: k, value: message(k) })));
    await waitFor(() => expect([...received].sort()).toEqual([...keys].sort()), { timeout: 15_000 });
  });

  it('carries an Avro record through Kafka unchanged and skips records that do not decode', async () => {
    const { topics, producer } = await setup();
    const raw = kafka.producer();
    await raw.connect();
    await raw.send({ topic: topics.broadcast, messages: [{ key: 'k', value: Buffer.from('not avro') }] });
    await raw.disconnect();
    await producer.send(topics.broadcast, 'BroadcastMessage', [{ key: 'k', value: sampleRecords.BroadcastMessage, headers: { h: 'v' } }]);

    const received: Array<{ key: string; value: BroadcastMessage | null; partition: number }> = [];
    track(await followTopic<BroadcastMessage>(kafka, {
      topic: topics.broadcast, schema: 'BroadcastMessage', groupId: uniqueName('g'), fromBeginning: true, logger: log,
      eachMessage: (key, value, meta) => void received.push({ key, value, partition: meta.partition }),
    }));
    await waitFor(() => expect(received).toHaveLength(1), { timeout: 15_000 });
    expect(received[0]).toMatchObject({ key: 'k', value: sampleRecords.BroadcastMessage });
    expect(Buffer.compare(received[0]!.value!.payload, sampleRecords.BroadcastMessage.payload)).toBe(0);
  });
});
