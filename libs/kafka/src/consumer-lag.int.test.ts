// watchConsumerLag against a real broker: the gauge follows end − committed as records arrive and
// as the group commits.
import { afterAll, expect, inject, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '@realtime/log';
import { sampleRecords } from '@realtime/testing/samples';
import { uniqueName, waitFor } from '@realtime/testing';
import { createAvroProducer, createKafka, ensureTopics, topicNames, watchConsumerLag } from './index.ts';

const infra = inject('infra');
const log = createLogger({ service: 'lag-int-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'lag-int-test', logger: log });
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

it('reports end − committed summed over partitions, 0 before the group commits', async () => {
  const prefix = `${uniqueName('lag')}.`;
  await ensureTopics(kafka, prefix);
  const topic = topicNames(prefix).usage;
  const producer = createAvroProducer(kafka);
  await producer.connect();
  cleanups.push(() => producer.disconnect());
  const admin = kafka.admin();
  await admin.connect();
  cleanups.push(() => admin.disconnect());

  const groupId = uniqueName('group');
  const seen: Array<{ labels: { topic: string; group: string }; value: number }> = [];
  const watcher = watchConsumerLag(kafka, { topic, groupId, logger: log, intervalMs: 100, gauge: { set: (labels, value) => void seen.push({ labels, value }) } });
  cleanups.push(() => watcher.stop());
  expect(seen[0]).toEqual({ labels: { topic, group: groupId }, value: 0 });

  const sent = await producer.send(topic, 'UsageReport', Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: sampleRecords.UsageReport })));
  const partitions = [...new Set(sent.map((r) => r.partition))];
  await new Promise((r) => setTimeout(r, 300));
  expect(seen.at(-1)!.value).toBe(0); // nothing committed: unknown, not 5

  // Commit offset 0 on every written partition: all 5 records are behind.
  await admin.setOffsets({ groupId, topic, partitions: partitions.map((partition) => ({ partition, offset: '0' })) });
  await waitFor(() => expect(seen.at(-1)!.value).toBe(5));
  const [first] = partitions;
  const high = Number((await admin.fetchTopicOffsets(topic)).find((p) => p.partition === first)!.high);
  await admin.setOffsets({ groupId, topic, partitions: [{ partition: first!, offset: String(high) }] });
  await waitFor(() => expect(seen.at(-1)!.value).toBe(5 - high));
});
