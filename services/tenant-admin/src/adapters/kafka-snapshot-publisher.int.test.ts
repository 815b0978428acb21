// A tenant snapshot too large for realtime.tenants is skipped, not retried: before, the relay's
// publish failed on it forever and no other tenant's change reached the gateways.
import { afterEach, expect, inject, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '@realtime/log';
import { createKafka, ensureTopics, readCompactedTable, topicNames } from '@realtime/kafka';
import type { TenantSnapshot } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { uniqueName, waitFor } from '@realtime/testing';
import { startKafkaSnapshotPublisher } from './kafka-snapshot-publisher.ts';

const log = createLogger({ service: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const kafka = createKafka({ brokers: inject('infra').kafkaBrokers, clientId: 'snapshot-publisher-test', logger: log });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it('publishes the other snapshots of a batch when one is larger than the topic takes', async () => {
  const prefix = `${uniqueName('t')}.`;
  const topic = topicNames(prefix).tenants;
  await ensureTopics(kafka, prefix, { tenants: { config: { 'cleanup.policy': 'compact', 'max.message.bytes': '65536' } } });
  const publisher = await startKafkaSnapshotPublisher(kafka, topic, log);
  cleanups.push(() => publisher.close());
  const snapshot = (external_id: string, jwks: string | null = null): TenantSnapshot => ({ ...sampleRecords.TenantSnapshot, external_id, jwt_jwks: jwks });
  await publisher.publish([
    { key: 'a', value: snapshot('a') }, { key: 'huge', value: snapshot('huge', JSON.stringify({ keys: [{ k: 'x'.repeat(200_000) }] })) }, { key: 'c', value: snapshot('c') },
  ]);
  const seen = new Set<string>();
  const reader = await readCompactedTable<TenantSnapshot>(kafka, { topic, schema: 'TenantSnapshot', logger: log, onRecord: (key) => void seen.add(key) });
  cleanups.push(() => reader.stop());
  await waitFor(() => expect([...seen].sort()).toEqual(['a', 'c']));
});
