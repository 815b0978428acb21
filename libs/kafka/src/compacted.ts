// A table rebuilt from a compacted topic (realtime.tenants, realtime.limits). Every start reads all
// partitions from the beginning, never from a committed offset (docs/ARCHITECTURE.md "Services"): a fresh
// throwaway group, fromBeginning, and no commits. The promise resolves once the reader has applied
// every record up to the end offsets that existed when it started; it then keeps following.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { SchemaName } from '@realtime/schemas';
import type { Logger } from '@realtime/log';
import { toRealtimeError } from './errors.ts';
import { decodeMessage } from './records.ts';
import { retrying } from './retry.ts';
import { guardRecord, initSkippedRecords } from './record-guard.ts';

/** How long an idle fetch waits on the broker; also how long stop() may wait for it. */
export const FETCH_WAIT_MS = 1_000;
/** Group membership of our readers. When a broker failover crashes a consumer, kafkajs restarts it
 *  as a new member, and the group rebalances only once the old member's session has expired:
 *  kafkajs's 30 s default stalled delivery for that long (test-e2e/kafka-cluster.test.ts). */
export const GROUP_SESSION = { sessionTimeout: 10_000, heartbeatInterval: 2_000 } as const;

export interface CompactedTableOptions<T> {
  topic: string;
  schema: SchemaName;
  logger: Logger;
  /**
   * Called in offset order per partition; null = the key was deleted (tombstone). A throw skips
   * the record unless it is a retryable RealtimeError (record-guard.ts).
   */
  onRecord(key: string, value: T | null): void | Promise<void>;
}

export interface Reader {
  stop(): Promise<void>;
}

export async function readCompactedTable<T>(kafka: Kafka, options: CompactedTableOptions<T>): Promise<Reader> {
  const { topic, schema, logger } = options;
  const log = logger.child({ topic, reader: 'compacted' });
  // The last offset to reach per non-empty partition. The newest record of a partition is never
  // compacted away (it sits in the active segment), and we write no transactional markers, so
  // reaching high-1 is certain; filtered batches are covered by END_BATCH_PROCESS below.
  const pending = new Map<number, bigint>();
  for (const p of await endOffsets(kafka, topic)) {
    if (BigInt(p.high) > BigInt(p.low)) pending.set(p.partition, BigInt(p.high) - 1n);
  }

  let caughtUp!: () => void;
  let failed!: (err: unknown) => void;
  const loaded = new Promise<void>((resolve, reject) => ((caughtUp = resolve), (failed = reject)));
  const progress = (partition: number, offset: string) => {
    const target = pending.get(partition);
    if (target === undefined || BigInt(offset) < target) return;
    pending.delete(partition);
    if (pending.size === 0) caughtUp();
  };
  if (pending.size === 0) caughtUp();

  let running = true;
  initSkippedRecords(kafka, topic);
  const consumer = kafka.consumer({ groupId: `${topic}-reader-${randomUUID()}`, allowAutoTopicCreation: false, maxWaitTimeInMs: FETCH_WAIT_MS, ...GROUP_SESSION });
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => progress(e.payload.partition, e.payload.lastOffset));
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) failed(toRealtimeError(e.payload.error, `reading ${topic} crashed`, { topic }));
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message, heartbeat }) => {
        const record = decodeMessage<T>(topic, schema, partition, message, log, kafka);
        if (record.ok) {
          await guardRecord(kafka, { log, running: () => running, heartbeat }, { topic, partition, offset: message.offset, key: record.key }, () =>
            options.onRecord(record.key, record.value));
        }
        progress(partition, message.offset);
      },
    });
    await loaded;
  } catch (err) {
    await consumer.disconnect().catch(() => {});
    throw toRealtimeError(err, `loading the table of ${topic} failed`, { topic });
  }
  log.debug('table loaded');
  return {
    stop: () => {
      running = false;
      return consumer.disconnect();
    },
  };
}

export async function endOffsets(kafka: Kafka, topic: string) {
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await retrying(() => admin.fetchTopicOffsets(topic));
  } catch (err) {
    throw toRealtimeError(err, `fetching the offsets of ${topic} failed`, { topic });
  } finally {
    await admin.disconnect();
  }
}
