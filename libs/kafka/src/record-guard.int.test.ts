// A poison record against a real broker: the handler throws a non-retryable error on one record and
// the reader goes on with the next one of the same partition (another tenant's), instead of having
// kafkajs redeliver the poison forever. Both records sit on partition 0 so the second can only
// arrive if the first was skipped.
import { afterEach, describe, expect, inject, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '@realtime/log';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import { encode, type BroadcastMessage, type TenantSnapshot } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { uniqueName, waitFor } from '@realtime/testing';
import { createKafka, ensureTopics, followTopic, joinSharedGroup, readCompactedTable, topicNames, type Reader } from './index.ts';

const infra = inject('infra');
const log = createLogger({ service: 'record-guard-int-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const skipped = new Map<string, number>();
const kafka = createKafka({
  brokers: infra.kafkaBrokers, clientId: 'record-guard-int-test', logger: log,
  skippedRecords: { inc: ({ topic, reason }, n = 1) => void skipped.set(`${topic}/${reason}`, (skipped.get(`${topic}/${reason}`) ?? 0) + n) },
});
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const track = (reader: Reader) => (cleanups.push(() => reader.stop()), reader);

async function produceToPartition0(topic: string, records: Array<{ key: string; value: Buffer }>) {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: records.map((r) => ({ ...r, partition: 0 })) });
  } finally {
    await producer.disconnect();
  }
}
async function freshTopics() {
  const prefix = `${uniqueName('t')}.`;
  await ensureTopics(kafka, prefix);
  return topicNames(prefix);
}
const broadcast = (tenant: string, topic: string): BroadcastMessage => ({ ...sampleRecords.BroadcastMessage, id: `${tenant}-${topic}`, tenant, topic });

describe('a handler failing on one record', () => {
  it('followTopic skips it (logged, counted) and delivers the next record of the partition, another tenant\'s', async () => {
    const topics = await freshTopics();
    const received: string[] = [];
    track(await followTopic<BroadcastMessage>(kafka, {
      topic: topics.broadcast, schema: 'BroadcastMessage', groupId: uniqueName('gateway'), logger: log,
      eachMessage: (_key, value) => {
        if (value!.topic.length > 255) throw new RangeError('topic too long for the binary frame');
        received.push(value!.id);
      },
    }));
    await produceToPartition0(topics.broadcast, [
      { key: 'a', value: encode('BroadcastMessage', broadcast('tenant-a', 'x'.repeat(300))) },
      { key: 'b', value: encode('BroadcastMessage', broadcast('tenant-b', 'room')) },
    ]);
    await waitFor(() => expect(received).toEqual(['tenant-b-room']), { timeout: 20_000 });
    expect(skipped.get(`${topics.broadcast}/handler_error`)).toBe(1);
  });

  it('readCompactedTable skips it and still loads the rest of the table', async () => {
    const topics = await freshTopics();
    const snapshot = (external_id: string): TenantSnapshot => ({ ...sampleRecords.TenantSnapshot, external_id });
    await produceToPartition0(topics.tenants, [
      { key: 'bad', value: encode('TenantSnapshot', snapshot('bad')) },
      { key: 'good', value: encode('TenantSnapshot', snapshot('good')) },
    ]);
    const loaded: string[] = [];
    track(await readCompactedTable<TenantSnapshot>(kafka, {
      topic: topics.tenants, schema: 'TenantSnapshot', logger: log,
      onRecord: (key) => {
        if (key === 'bad') throw new RealtimeError(ErrorCodes.UnknownError, 'cannot apply');
        loaded.push(key);
      },
    }));
    expect(loaded).toEqual(['good']);
  });

  it('a shared group retries a retryable failure until it succeeds, then skips a poison one', async () => {
    const topics = await freshTopics();
    const handled: string[] = [];
    let outage = 2;
    const group = await joinSharedGroup(kafka, { topic: topics.usage, groupId: uniqueName('shared'), fromBeginning: true, log }, (records) => ({
      eachMessage: async ({ partition, message, heartbeat }) => {
        const key = message.key!.toString();
        await records.guard({ partition, offset: message.offset, key }, () => {
          if (key === 'flaky' && outage-- > 0) throw new RealtimeError(ErrorCodes.RedisUnavailable, 'down', { retryable: true });
          if (key === 'poison') throw new TypeError('cannot read properties of undefined');
          handled.push(key);
        }, heartbeat);
      },
    }));
    cleanups.push(group.stop);
    await produceToPartition0(topics.usage, ['flaky', 'poison', 'next'].map((key) => ({ key, value: Buffer.from(key) })));
    await waitFor(() => expect(handled).toEqual(['flaky', 'next']), { timeout: 20_000 });
    expect(skipped.get(`${topics.usage}/handler_error`)).toBe(1);
  });
});
