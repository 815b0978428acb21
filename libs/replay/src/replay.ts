// Replay for audit (docs/ARCHITECTURE.md "Replay and audit"): a tenant's ChangeEvents from realtime.cdc
// between two points, in topic order, each (commit_lsn_num, seq) once, then the end.
//
// - Bounded: the tenant's partition is read up to its end offset taken at the start, never beyond,
//   so the same range replayed twice yields the same events (deterministic order: one partition).
// - Only that partition is read: records are keyed by tenant, and partitionOf mirrors the producer.
//   kafkajs needs a group to consume, so a throwaway group (`<topic>-replay-<uuid>`) that never
//   commits has the other partitions paused, and is deleted again on close.
// - A time bound seeks by record timestamp (ingest-cdc's clock at send, never before the commit),
//   `clockSkewMs` earlier in case Postgres's clock runs ahead; an LSN bound reads from the start.
import { randomUUID } from 'node:crypto';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import type { ChangeEvent } from '@realtime/schemas';
import type { Logger } from '@realtime/log';
import { decodeMessage, FETCH_WAIT_MS, Handoff, partitionOf, recordKeys, retrying, toRealtimeError, type Kafka } from '@realtime/kafka';
import { createChangeFilter, parseReplayRange, type ReplayPoint, type ReplayRange } from './replay-range.ts';

export interface ReplayOptions {
  topic: string;
  tenant: string;
  logger: Logger;
  /** Bounds parsed by parseReplayRange; or give the raw from / to / table below. */
  range?: ReplayRange;
  /** A time (ms, ISO 8601) or an LSN ("0/16B3748"), inclusive. */
  from?: string | number;
  /** Same forms, inclusive; default: everything up to the end offsets taken at the start. */
  to?: string | number;
  /** "schema.table" or "table" (in public); default: every table. */
  table?: string;
  /** How far Postgres's clock may run ahead of ingest-cdc's; default 5 minutes. */
  clockSkewMs?: number;
}

/** Iterate once; iterating to the end, or breaking out, closes it. Call close() if you never iterate. */
export interface Replay extends AsyncIterable<ChangeEvent> {
  close(): Promise<void>;
}

const BUFFER = 1_000;

/** Resolves once reading has begun (Kafka errors of the setup surface here), not when it ends. */
export async function replayChanges(kafka: Kafka, options: ReplayOptions): Promise<Replay> {
  const { topic, tenant } = options;
  const range = toRange(options);
  const log = options.logger.child({ topic, tenant, reader: 'replay' });
  const plan = await planRead(kafka, topic, recordKeys.tenant(tenant), range.from, options.clockSkewMs ?? 300_000);
  const accept = createChangeFilter(tenant, range);
  const handoff = new Handoff<ChangeEvent>(BUFFER);
  const iterate = async function* (close: () => Promise<void>) {
    try {
      for (let next = await handoff.take(); !next.done; next = await handoff.take()) yield next.value;
    } finally {
      await close();
    }
  };
  if (plan.start >= plan.end) {
    handoff.end();
    return { [Symbol.asyncIterator]: () => iterate(async () => {}), close: async () => handoff.close() };
  }

  const groupId = `${topic}-replay-${randomUUID()}`;
  const last = plan.end - 1n;
  const progress = (offset: string) => void (BigInt(offset) >= last && handoff.end());
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: FETCH_WAIT_MS });
  let position = plan.start; // the next offset to read, where a (re)join resumes
  let joined!: () => void;
  let failed!: (err: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => ((joined = resolve), (failed = reject)));
  consumer.on(consumer.events.GROUP_JOIN, () => {
    // Synchronous inside kafkajs's join, so seek and pause apply before the first fetch. Nothing is
    // committed, so after a crash-restart the new join would start at the end: seek again.
    consumer.seek({ topic, partition: plan.partition, offset: String(position) });
    if (plan.others.length > 0) consumer.pause([{ topic, partitions: plan.others }]);
    joined();
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => e.payload.partition === plan.partition && progress(e.payload.lastOffset));
  consumer.on(consumer.events.CRASH, (e) => {
    if (e.payload.restart) return;
    const err = toRealtimeError(e.payload.error, `replaying ${topic} crashed`, { topic, tenant });
    failed(err);
    handoff.end(err);
  });
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    handoff.close();
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
        if (partition !== plan.partition) return;
        const offset = BigInt(message.offset);
        if (offset < plan.end && message.key?.toString('utf8') === recordKeys.tenant(tenant)) {
          const record = decodeMessage<ChangeEvent>(topic, 'ChangeEvent', partition, message, log);
          if (record.ok && record.value && accept(record.value)) await handoff.put(record.value);
        }
        position = offset + 1n;
        progress(message.offset);
      },
    });
    await ready;
  } catch (err) {
    await close();
    throw toRealtimeError(err, `replaying ${topic} failed`, { topic, tenant });
  }
  log.debug({ partition: plan.partition, start: String(plan.start), end: String(plan.end) }, 'replay started');
  return { [Symbol.asyncIterator]: () => iterate(close), close };
}

function toRange(o: ReplayOptions): ReplayRange {
  if (o.range) return o.range;
  const parsed = parseReplayRange({ from: o.from, to: o.to, table: o.table });
  if (!parsed.ok) throw new RealtimeError(ErrorCodes.UnprocessableEntity, `invalid replay range: ${JSON.stringify(parsed.errors)}`, { details: parsed.errors });
  return parsed.range;
}

interface ReadPlan {
  partition: number;
  others: number[];
  start: bigint;
  /** Exclusive: the partition's end offset when the replay started. */
  end: bigint;
}

async function planRead(kafka: Kafka, topic: string, key: string, from: ReplayPoint, clockSkewMs: number): Promise<ReadPlan> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    // a mistyped topic prefix should fail now, not after the retries for a topic without a leader
    if (!(await retrying(() => admin.listTopics())).includes(topic)) throw new RealtimeError(ErrorCodes.UnprocessableEntity, `topic ${topic} does not exist`, { details: { topic } });
    const offsets = await retrying(() => admin.fetchTopicOffsets(topic));
    const partition = partitionOf(key, offsets.length);
    const own = offsets.find((p) => p.partition === partition)!;
    let start = BigInt(own.low);
    if (from.kind === 'time') {
      const at = Math.max(0, Math.floor(from.micros / 1000) - clockSkewMs);
      const byTime = await retrying(() => admin.fetchTopicOffsetsByTimestamp(topic, at));
      const found = BigInt(byTime.find((p) => p.partition === partition)!.offset);
      if (found > start) start = found;
    }
    return { partition, others: offsets.map((p) => p.partition).filter((p) => p !== partition), start, end: BigInt(own.high) };
  } catch (err) {
    throw toRealtimeError(err, `fetching the offsets of ${topic} failed`, { topic });
  } finally {
    await admin.disconnect();
  }
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
