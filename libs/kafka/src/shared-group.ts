// A consumer in a group shared by the instances of one service (docs/ARCHITECTURE.md: work is split by
// Kafka's own partition assignment, no home-made leader election): ingest-cdc's tenants,
// presence-service's channels, the ratelimiter's tenants. A short session moves a crashed
// instance's partitions to the others within ~10 s instead of 30. Resolves once the group is
// joined; `onAssigned` hears every assignment, `onFatal` a crash kafkajs will not restart.
import type { Consumer, ConsumerRunConfig, Kafka, KafkaMessage } from 'kafkajs';
import type { SchemaName } from '@realtime/schemas';
import type { Logger } from '@realtime/log';
import { toRealtimeError } from './errors.ts';
import { decodeMessage, type Decoded } from './records.ts';
import { guardRecord, initSkippedRecords, type RecordSite } from './record-guard.ts';
import { GROUP_SESSION } from './compacted.ts';

export interface SharedGroupOptions {
  topic: string;
  groupId: string;
  fromBeginning: boolean;
  log: Logger;
  /** After every rebalance, with this instance's partitions of `topic`, sorted (possibly none). */
  onAssigned?(partitions: number[]): void;
  /** The consumer stopped for good after it had joined. */
  onFatal?(err: Error): void;
}

/** The per-record policy of record-guard.ts, bound to this group, for handlers written against kafkajs. */
export interface RecordTools {
  /** Decodes or logs, counts and returns { ok: false } (skip it). */
  decode<T>(schema: SchemaName, partition: number, message: KafkaMessage): Decoded<T>;
  /** Retries a retryable RealtimeError with backoff, skips (logs, counts) on any other throw. */
  guard(site: Omit<RecordSite, 'topic'>, handle: () => unknown, heartbeat?: () => Promise<void>): Promise<void>;
}

/** The tools for one topic's records; `running` turns false when the reader stops. */
export function recordTools(kafka: Kafka, topic: string, log: Logger, running: () => boolean): RecordTools {
  return {
    decode: (schema, partition, message) => decodeMessage(topic, schema, partition, message, log, kafka),
    guard: (site, handle, heartbeat) => guardRecord(kafka, { log, running, heartbeat }, { topic, ...site }, handle),
  };
}

export async function joinSharedGroup(
  kafka: Kafka, o: SharedGroupOptions, run: ConsumerRunConfig | ((tools: RecordTools) => ConsumerRunConfig),
): Promise<{ consumer: Consumer; stop(): Promise<void> }> {
  const { topic, groupId } = o;
  let running = true;
  initSkippedRecords(kafka, topic);
  const tools = recordTools(kafka, topic, o.log, () => running);
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 1000, ...GROUP_SESSION });
  let joined!: () => void;
  let failed!: (err: Error) => void;
  let ready = false;
  const started = new Promise<void>((resolve, reject) => ((joined = resolve), (failed = reject)));
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const partitions = [...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
    o.log.info({ topic, groupId, partitions }, 'partitions assigned');
    o.onAssigned?.(partitions);
    ready = true;
    joined();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    const err = toRealtimeError(payload.error, `consuming ${topic} stopped`, { topic, groupId });
    if (ready) o.onFatal?.(err);
    else failed(err);
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: o.fromBeginning });
    await consumer.run(typeof run === 'function' ? run(tools) : run);
    await started;
  } catch (err) {
    await consumer.disconnect().catch(() => {});
    throw toRealtimeError(err, `consuming ${topic} failed`, { topic, groupId });
  }
  return {
    consumer,
    stop: () => {
      running = false;
      return consumer.disconnect();
    },
  };
}
