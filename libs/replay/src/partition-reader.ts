// Reads one partition of a topic over a fixed offset range [start, end), in offset order, then
// stops: what replay (replay.ts), the chain verifier (verify.ts) and ingest-cdc's chain-head lookup
// need. kafkajs needs a group to consume, so a throwaway group (`<topic>-replay-<uuid>`) that never
// commits has the other partitions paused, and is deleted again on close.
import { randomUUID } from 'node:crypto';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import type { Logger } from '@realtime/log';
import { FETCH_WAIT_MS, retrying, toRealtimeError, type Kafka } from '@realtime/kafka';

/** The part of a kafkajs message a reader gets. */
export interface PartitionMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

export interface PartitionRange {
  topic: string;
  partition: number;
  /** Every other partition of the topic (paused). */
  others: number[];
  start: bigint;
  /** Exclusive. */
  end: bigint;
}

export interface PartitionRead {
  /** Resolves once the message before `end` was handled; rejects when the reader crashed. */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

/** Offsets of `topic`: the partition of `key` and its low / high watermarks. */
export async function partitionOffsets(kafka: Kafka, topic: string, partitionFor: (partitions: number) => number): Promise<{ range: PartitionRange; low: bigint; high: bigint }> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    // a mistyped topic prefix should fail now, not after the retries for a topic without a leader
    if (!(await retrying(() => admin.listTopics())).includes(topic)) throw new RealtimeError(ErrorCodes.UnprocessableEntity, `topic ${topic} does not exist`, { details: { topic } });
    const offsets = await retrying(() => admin.fetchTopicOffsets(topic));
    const partition = partitionFor(offsets.length);
    const own = offsets.find((p) => p.partition === partition)!;
    const others = offsets.map((p) => p.partition).filter((p) => p !== partition);
    return { range: { topic, partition, others, start: BigInt(own.low), end: BigInt(own.high) }, low: BigInt(own.low), high: BigInt(own.high) };
  } catch (err) {
    throw toRealtimeError(err, `fetching the offsets of ${topic} failed`, { topic });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Resolves once the reader joined (setup errors throw here). `onMessage` is awaited before the next
 * message, so a slow handler slows the fetches rather than growing memory.
 */
export async function readPartition(kafka: Kafka, r: PartitionRange, log: Logger, onMessage: (m: PartitionMessage) => void | Promise<void>): Promise<PartitionRead> {
  const { topic } = r;
  let finished!: () => void;
  let crashed!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => ((finished = resolve), (crashed = reject)));
  done.catch(() => {}); // observed by the caller through `done`; never an unhandled rejection
  if (r.start >= r.end) {
    finished();
    return { done, close: async () => {} };
  }
  const groupId = `${topic}-replay-${randomUUID()}`;
  const last = r.end - 1n;
  const progress = (offset: string) => void (BigInt(offset) >= last && finished());
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: FETCH_WAIT_MS });
  let position = r.start; // the next offset to read, where a (re)join resumes
  let joined!: () => void;
  let failed!: (err: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => ((joined = resolve), (failed = reject)));
  consumer.on(consumer.events.GROUP_JOIN, () => {
    // Synchronous inside kafkajs's join, so seek and pause apply before the first fetch. Nothing is
    // committed, so after a crash-restart the new join would start at the end: seek again.
    consumer.seek({ topic, partition: r.partition, offset: String(position) });
    if (r.others.length > 0) consumer.pause([{ topic, partitions: r.others }]);
    joined();
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => e.payload.partition === r.partition && progress(e.payload.lastOffset));
  consumer.on(consumer.events.CRASH, (e) => {
    if (e.payload.restart) return;
    const err = toRealtimeError(e.payload.error, `reading ${topic} crashed`, { topic });
    failed(err);
    crashed(err);
  });
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    await consumer.disconnect().catch((err) => log.warn({ err: String(err) }, 'disconnecting the replay consumer failed'));
    await deleteGroup(kafka, groupId, log);
  })());

  try {
    await consumer.connect();
    // fromBeginning: if retention deletes the start while we read, kafkajs resets to the earliest
    // offset and we still reach the end (from the latest, we would wait for a record forever)
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (partition !== r.partition) return;
        const offset = BigInt(message.offset);
        if (offset < r.end) await onMessage({ offset: message.offset, key: message.key, value: message.value });
        position = offset + 1n;
        progress(message.offset);
      },
    });
    await ready;
  } catch (err) {
    await close();
    throw toRealtimeError(err, `reading ${topic} failed`, { topic });
  }
  return { done, close };
}

/** Best effort: a group without offsets may already be gone (GROUP_ID_NOT_FOUND is fine). */
async function deleteGroup(kafka: Kafka, groupId: string, log: Logger): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
  } catch (err) {
    const groups = (err as { groups?: { error?: { type?: string } }[] }).groups ?? [];
    if (!groups.every((g) => g.error?.type === 'GROUP_ID_NOT_FOUND') || groups.length === 0) {
      log.warn({ groupId, err: String(err) }, 'could not delete the replay consumer group');
    }
  } finally {
    await admin.disconnect();
  }
}
