// One record too large for its topic fails alone: the records before and after it in the same send
// (other tenants' broadcasts, the next transaction) still land, in order. The topic is created with
// a small max.message.bytes (64 KiB) so the test does not need megabytes of data.
import { afterEach, describe, expect, inject, it } from 'vitest';
import { Writable } from 'node:stream';
import { ErrorCodes } from '@realtime/errors';
import { createLogger } from '@realtime/log';
import type { BroadcastMessage } from '@realtime/schemas';
import { sampleRecords } from '@realtime/testing/samples';
import { uniqueName, waitFor } from '@realtime/testing';
import { createAvroProducer, createKafka, ensureTopics, followTopic, readRecordLimits, topicNames } from './index.ts';

const infra = inject('infra');
const log = createLogger({ service: 'kafka-int-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'record-size-int-test', logger: log });
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const LIMIT = 65_536;
const message = (id: string, bytes: number): BroadcastMessage => ({ ...sampleRecords.BroadcastMessage, id, topic: id, payload: Buffer.alloc(bytes, 1) });

async function setup() {
  const prefix = `${uniqueName('t')}.`;
  const topic = topicNames(prefix).broadcast;
  await ensureTopics(kafka, prefix, { broadcast: { partitions: 1, config: { 'max.message.bytes': String(LIMIT) } } });
  const received: string[] = [];
  const follower = await followTopic<BroadcastMessage>(kafka, {
    topic, schema: 'BroadcastMessage', groupId: uniqueName('g'), fromBeginning: true, logger: log, eachMessage: (_k, v) => void received.push(v!.id),
  });
  cleanups.push(() => follower.stop());
  return { topic, received };
}

describe('a record over max.message.bytes', () => {
  it('is read from the topic at start-up', async () => {
    const { topic } = await setup();
    expect(await readRecordLimits(kafka, [topic])).toEqual({ [topic]: LIMIT });
  });

  for (const known of [true, false]) {
    it(`fails alone, the rest of the send lands in order (limit ${known ? 'read at start-up' : 'unknown: the broker refuses'})`, async () => {
      const { topic, received } = await setup();
      const producer = createAvroProducer(kafka, { recordLimits: known ? await readRecordLimits(kafka, [topic]) : {} });
      await producer.connect();
      cleanups.push(() => producer.disconnect());
      // all on one partition: with the old code the big record's request failed and the send threw,
      // so the records queued after it were never sent
      const records = [message('a', 100), message('b', 100), message('big', 200_000), message('c', 100)].map((m) => ({ key: 'one', value: m }));
      const outcomes = await producer.sendEach(topic, 'BroadcastMessage', records);
      expect(outcomes.map((o) => o.ok)).toEqual([true, true, false, true]);
      expect(outcomes[2]).toMatchObject({ ok: false, error: { code: ErrorCodes.PayloadSizeExceeded, retryable: false } });
      await waitFor(() => expect(received).toEqual(['a', 'b', 'c']), { timeout: 15_000 });
      // `send` reports the failure, yet the others are written
      await expect(producer.send(topic, 'BroadcastMessage', [{ key: 'one', value: message('big2', 200_000) }, { key: 'one', value: message('d', 1) }]))
        .rejects.toMatchObject({ code: ErrorCodes.PayloadSizeExceeded });
      await waitFor(() => expect(received).toEqual(['a', 'b', 'c', 'd']), { timeout: 15_000 });
    });
  }
});
