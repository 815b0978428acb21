// The RecoveryLog adapter against a real broker: broadcasts published by the real bus and changes
// produced as ingest-cdc does land in the partition the adapter reads (partitionOf = the
// producer's partitioner), the positions the live readers report are the offsets it reads, records
// of other keys on that partition come undecoded, and a range reader needs no group per read.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '@realtime/log';
import { uniqueName, waitFor } from '@realtime/testing';
import { createAvroProducer, createKafka, ensureTopics, recordKeys, startRangeReader, topicNames, type RangeReader } from '@realtime/kafka';
import { sampleRecords } from '@realtime/testing/samples';
import type { ChangeEvent } from '@realtime/schemas';
import { kafkaRecoveryLog } from './kafka-recovery-log.ts';
import { startKafkaBroadcastBus, type KafkaBroadcastBus } from './kafka-broadcast-bus.ts';
import { startKafkaChangeFeed } from './kafka-change-feed.ts';
import type { OutboundBroadcast } from '../core/base/broadcast-message.ts';
import type { LogPosition } from '../core/base/log-position.ts';
import type { LogStream, RecoveryLog } from '../ports.ts';

const infra = inject('infra');
const log = createLogger({ service: 'recovery-log-int-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'recovery-log-int-test', logger: log });
let topics: ReturnType<typeof topicNames>;
let reader: RangeReader;
let bus: KafkaBroadcastBus;
let recovery: RecoveryLog;
const live: Array<{ m: OutboundBroadcast; at?: LogPosition }> = [];

beforeAll(async () => {
  const prefix = `${uniqueName('rl')}.`;
  await ensureTopics(kafka, prefix);
  topics = topicNames(prefix);
  reader = await startRangeReader(kafka, { topics: [topics.cdc, topics.broadcast], groupId: `${prefix}gw-recovery`, logger: log });
  bus = await startKafkaBroadcastBus(kafka, { topic: topics.broadcast, nodeId: `${prefix}gw`, log });
  bus.onMessage((m, at) => void live.push({ m, at }));
  recovery = kafkaRecoveryLog(reader, { cdcTopic: topics.cdc, broadcastTopic: topics.broadcast, log });
});
afterAll(async () => {
  await bus?.stop();
  await reader?.stop();
});

let n = 0;
const message = (topic: string): OutboundBroadcast => ({
  id: `id${n++}`, tenant: 'acme', topic, private: false, event: 'e', kind: 'json', encoding: 'json',
  payload: new TextEncoder().encode(JSON.stringify({ n })), metaId: null, originNode: 'gw', sentAt: Date.now(),
});

async function readAll<T>(stream: LogStream<T>) {
  const { low, high } = await stream.bounds();
  const got: Array<{ offset: bigint; own: boolean; value: T | null }> = [];
  await stream.read(low, high, (r) => void got.push(r), { signal: new AbortController().signal, timeoutMs: 10_000 });
  return got;
}

describe('kafkaRecoveryLog', () => {
  it('reads a channel\'s broadcasts where the bus wrote them, at the positions the live reader reported', async () => {
    const stream = await recovery.broadcasts('acme', false, 'room');
    // a channel that shares the partition: its records are on it, undecoded
    let neighbour = 'n0';
    for (let i = 0; (await recovery.broadcasts('acme', false, neighbour)).partition !== stream.partition; i++) neighbour = `n${i}`;
    const sent = [message('room'), message(neighbour), message('room')];
    for (const m of sent) await bus.publish(m);
    await waitFor(() => expect(live.filter((l) => sent.some((s) => s.id === l.m.id))).toHaveLength(3), { timeout: 20_000 });
    const got = await readAll(stream);
    expect(got.map((r) => [r.own, r.value?.id ?? null])).toEqual([[true, sent[0]!.id], [false, null], [true, sent[2]!.id]]);
    const positions = live.filter((l) => l.m.topic === 'room').map((l) => l.at);
    expect(positions).toEqual(got.filter((r) => r.own).map((r) => ({ partition: stream.partition, offset: r.offset })));
    expect(got[0]!.value).toMatchObject({ topic: 'room', tenant: 'acme', event: 'e' });
  });

  it('reads a tenant\'s changes where they were produced, at the positions the change feed reports', async () => {
    const seen: Array<{ e: ChangeEvent; at: LogPosition }> = [];
    const feed = await startKafkaChangeFeed(kafka, { topic: topics.cdc, nodeId: `${topics.cdc}-gw`, log, onChange: (e, at) => void seen.push({ e, at }) });
    const producer = createAvroProducer(kafka, { idempotent: true });
    await producer.connect();
    try {
      const event = { ...sampleRecords.ChangeEvent, tenant: 'acme' };
      await producer.send(topics.cdc, 'ChangeEvent', [{ key: recordKeys.tenant('acme'), value: event }, { key: recordKeys.tenant('acme'), value: { ...event, seq: event.seq + 1 } }]);
      await waitFor(() => expect(seen).toHaveLength(2), { timeout: 20_000 });
      const stream = await recovery.changes('acme');
      const got = (await readAll(stream)).filter((r) => r.own);
      expect(got.map((r) => r.value?.seq)).toEqual([event.seq, event.seq + 1]);
      expect(seen.map((s) => s.at)).toEqual(got.map((r) => ({ partition: stream.partition, offset: r.offset })));
      expect(await stream.offsetForTime(0)).toBe(got[0]!.offset);
    } finally {
      await producer.disconnect();
      await feed.stop();
    }
  });
});
