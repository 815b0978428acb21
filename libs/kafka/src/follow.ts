// A reader that follows a topic in a consumer group: fan-out readers (each gateway in a group of
// its own, starting at the end) and shared work groups (presence-service, ratelimiter).
import type { Kafka } from 'kafkajs';
import type { SchemaName } from '@realtime/schemas';
import type { Logger } from '@realtime/log';
import { toRealtimeError } from './errors.ts';
import { decodeMessage } from './records.ts';
import { FETCH_WAIT_MS, GROUP_SESSION, type Reader } from './compacted.ts';
import { retrying } from './retry.ts';
import { guardRecord, initSkippedRecords } from './record-guard.ts';
import { DeliveredOffsets } from './delivered-offsets.ts';

export interface MessageMeta {
  partition: number;
  offset: string;
  /** Record timestamp, ms since the epoch. */
  timestamp: number;
}

export interface FollowOptions<T> {
  topic: string;
  schema: SchemaName;
  groupId: string;
  /** Where a partition without a committed offset starts; default false = at the end. */
  fromBeginning?: boolean;
  logger: Logger;
  /**
   * A retryable RealtimeError is retried with backoff until it succeeds; any other throw skips the
   * record (logged, counted), as do undecodable records (record-guard.ts).
   */
  eachMessage(key: string, value: T | null, meta: MessageMeta): void | Promise<void>;
}

/**
 * Resolves once the consumer has joined its group and been assigned partitions: any record produced
 * after that is delivered. For a new group starting at the end, kafkajs would look up "latest" only
 * at its first fetch, so a record produced in between would be lost; instead the end offsets are
 * taken before joining and each assigned partition without a committed offset is sought to them.
 */
export async function followTopic<T>(kafka: Kafka, options: FollowOptions<T>): Promise<Reader> {
  const { topic, schema, groupId, fromBeginning = false } = options;
  const log = options.logger.child({ topic, groupId });
  const starts = fromBeginning ? new Map<number, string>() : await uncommittedEnds(kafka, topic, groupId);

  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: FETCH_WAIT_MS, ...GROUP_SESSION });
  let first = true;
  let running = true;
  const delivered = new DeliveredOffsets(); // a rejoin re-reads from the committed offset: once is enough
  initSkippedRecords(kafka, topic);
  let joined!: () => void;
  let failed!: (err: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => ((joined = resolve), (failed = reject)));
  consumer.on(consumer.events.GROUP_JOIN, () => {
    // Synchronous inside kafkajs's join, so the seeks are in place before the first fetch.
    if (first) for (const [partition, offset] of starts) consumer.seek({ topic, partition, offset });
    first = false;
    joined();
  });
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) failed(toRealtimeError(e.payload.error, `following ${topic} crashed`, { topic, groupId }));
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning });
    await consumer.run({
      eachMessage: async ({ partition, message, heartbeat }) => {
        if (delivered.seen(partition, message.offset)) return;
        const record = decodeMessage<T>(topic, schema, partition, message, log, kafka);
        if (record.ok) {
          const meta = { partition, offset: message.offset, timestamp: Number(message.timestamp) };
          await guardRecord(kafka, { log, running: () => running, heartbeat }, { topic, partition, offset: message.offset, key: record.key }, () =>
            options.eachMessage(record.key, record.value, meta));
        }
        delivered.done(partition, message.offset);
      },
    });
    await ready;
  } catch (err) {
    await consumer.disconnect().catch(() => {});
    throw toRealtimeError(err, `following ${topic} failed`, { topic, groupId });
  }
  return {
    stop: () => {
      running = false;
      return consumer.disconnect();
    },
  };
}

/** Current end offsets of the partitions on which `groupId` has no committed offset. */
async function uncommittedEnds(kafka: Kafka, topic: string, groupId: string): Promise<Map<number, string>> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const [ends, committed] = await retrying(() => Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]));
    const hasCommit = new Set((committed[0]?.partitions ?? []).filter((p) => p.offset !== '-1').map((p) => p.partition));
    return new Map(ends.filter((p) => !hasCommit.has(p.partition)).map((p) => [p.partition, p.high]));
  } catch (err) {
    throw toRealtimeError(err, `fetching the offsets of ${topic} failed`, { topic, groupId });
  } finally {
    await admin.disconnect();
  }
}
