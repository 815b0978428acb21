// Reads offset ranges of partitions on demand, for recovery on rejoin (docs/PROTOCOL.md, issue 14):
// one long-lived consumer in a group of its own, every partition paused until a read needs it. A read
// costs no group, no connection: a client that rejoins in a loop cannot make us create either.
// Nothing is committed; each (re)join pauses everything and puts running passes back where they were.
// The reads of one partition share one scan (range-lane.ts); different partitions are read in parallel.
import type { Kafka, KafkaMessage } from 'kafkajs';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import type { Logger } from '@realtime/log';
import { toRealtimeError } from './errors.ts';
import { GROUP_SESSION } from './compacted.ts';
import { retrying } from './retry.ts';
import { PartitionLane } from './range-lane.ts';
import { RangeRead, type OnRangeRecord, type RangeRecord, type RangeResult } from './range-read.ts';

export type { OnRangeRecord, RangeRecord, RangeResult } from './range-read.ts';

export interface RangeReader {
  partitionCount(topic: string): Promise<number>;
  /** low = earliest offset still kept, high = next offset to be written */
  bounds(topic: string, partition: number): Promise<{ low: bigint; high: bigint }>;
  /** first offset whose record timestamp >= ms (high if none) */
  offsetForTime(topic: string, partition: number, ms: number): Promise<bigint>;
  /**
   * Reads [start, end) in offset order, clamped at call time to [low, high) of the partition: records
   * written after the call are not waited for, records deleted by retention are not either. Resolves
   * when the last record before `end` was handled (or none is left below it), or when onRecord
   * returned 'stop'. onRecord is awaited before the next record of that partition is handed on (the
   * reads of one partition share one scan: a slow onRecord slows the others of that partition, not
   * other partitions). Retention may delete records while they are read: the caller that must know
   * compares the first offset it got (or bounds().low) with its start.
   * Rejects on timeout (default 30 s), abort, stop(), a consumer failure or a partition this member
   * does not hold (KafkaUnavailable); a throw from onRecord rejects that read only.
   */
  read(topic: string, partition: number, start: bigint, end: bigint, onRecord: OnRangeRecord,
    options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<RangeResult>;
  stop(): Promise<void>;
}

export interface RangeReaderOptions {
  topics: string[];
  groupId: string;
  logger: Logger;
  /** Default RANGE_FETCH_WAIT_MS (the bench compares others). */
  fetchWaitMs?: number;
}

export const RANGE_READ_TIMEOUT_MS = 30_000;
/** With every partition paused kafkajs sleeps this long between fetch rounds (an uninterruptible
 *  sleep), so a read waits up to this long for its first fetch; far below FETCH_WAIT_MS, yet each
 *  round costs CPU while idle (npm run bench:range-reader: 100 ms 0.6 %, 50 ms 0.9 %, 20 ms 2.3 % of
 *  a core). A broker waits this long only for a read whose next offset is not written yet. */
export const RANGE_FETCH_WAIT_MS = 50;

export async function startRangeReader(kafka: Kafka, options: RangeReaderOptions): Promise<RangeReader> {
  const { topics, groupId } = options;
  const log = options.logger.child({ reader: 'range', groupId });
  const lanes = new Map<string, PartitionLane>();
  /** `partition:topic` of the partitions the last join assigned to this member. */
  let assigned = new Set<string>();
  /** Reads not settled yet, also those still asking for their bounds. */
  const open = new Set<RangeRead>();
  let failure: RealtimeError | undefined;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: options.fetchWaitMs ?? RANGE_FETCH_WAIT_MS, ...GROUP_SESSION });
  const admin = kafka.admin();

  const laneOf = (topic: string, partition: number): PartitionLane => {
    const key = `${partition}:${topic}`;
    let lane = lanes.get(key);
    if (!lane) {
      lane = new PartitionLane({
        seek: (offset) => consumer.seek({ topic, partition, offset: String(offset) }),
        resume: () => consumer.resume([{ topic, partitions: [partition] }]),
        pause: () => consumer.pause([{ topic, partitions: [partition] }]),
      });
      lanes.set(key, lane);
    }
    return lane;
  };
  const failAll = (err: RealtimeError) => {
    for (const lane of lanes.values()) lane.failAll(err);
  };

  let joined!: () => void;
  let failed!: (err: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => ((joined = resolve), (failed = reject)));
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    // Synchronous inside kafkajs's join: pauses and seeks apply before the first fetch. A rejoin
    // forgets positions (nothing is committed), so running passes seek again to where they were.
    const assignment = e.payload.memberAssignment;
    assigned = new Set(Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => `${p}:${topic}`)));
    for (const topic of Object.keys(assignment)) consumer.pause([{ topic }]);
    for (const [key, lane] of lanes) {
      if (assigned.has(key)) lane.rejoined();
      else lane.failAll(notAssigned(key, groupId));
    }
    joined();
  });
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    // batches of transaction markers or aborted records only never reach eachBatch
    const { topic, partition, batchSize, firstOffset, lastOffset } = e.payload;
    if (batchSize === 0) lanes.get(`${partition}:${topic}`)?.offer([], BigInt(firstOffset ?? lastOffset), BigInt(lastOffset) + 1n);
  });
  consumer.on(consumer.events.CRASH, (e) => {
    if (e.payload.restart) return;
    failure = toRealtimeError(e.payload.error, `the range reader of ${topics.join(', ')} crashed`, { groupId });
    log.error({ code: failure.code, err: String(e.payload.error) }, 'range reader crashed');
    failed(failure);
    failAll(failure);
  });

  try {
    await admin.connect();
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      // hands the batch to its lane and returns: the next fetch need not wait for a slow onRecord
      eachBatch: async ({ batch, isStale }) => {
        if (isStale()) return; // fetched before a seek
        const lane = lanes.get(`${batch.partition}:${batch.topic}`);
        lane?.offer(batch.messages.map(toRangeRecord), BigInt(batch.firstOffset() ?? batch.lastOffset()), BigInt(batch.lastOffset()) + 1n);
      },
    });
    await ready;
  } catch (err) {
    await consumer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
    throw toRealtimeError(err, `starting the range reader of ${topics.join(', ')} failed`, { groupId });
  }

  // One admin request at a time: kafkajs's admin answers concurrent offset requests with a
  // TypeError now and then ("Cannot destructure property 'partitions' of 'low.pop(...)'",
  // tulios/kafkajs#461), and a recovering join asks for two or three streams at once (seen in
  // test-e2e/recovery.test.ts: the rejoin's broadcast recovery answered `unavailable`).
  let tail: Promise<unknown> = Promise.resolve();
  const serially = <T>(call: () => Promise<T>): Promise<T> => {
    const run = tail.then(call, call);
    tail = run.catch(() => undefined);
    return run;
  };
  const adminCall = <T>(topic: string, call: () => Promise<T>) => adminRequest(topic, () => serially(call));

  const offsets = async (topic: string, partition: number) => {
    const all = await adminCall(topic, () => admin.fetchTopicOffsets(topic));
    const p = all.find((o) => o.partition === partition);
    if (!p) throw new RealtimeError(ErrorCodes.UnprocessableEntity, `${topic} has no partition ${partition}`, { details: { topic, partition } });
    return { low: BigInt(p.low), high: BigInt(p.high) };
  };

  let stopping: Promise<void> | undefined;
  return {
    partitionCount: async (topic) => (await adminCall(topic, () => admin.fetchTopicMetadata({ topics: [topic] }))).topics[0]?.partitions.length ?? 0,
    bounds: offsets,
    offsetForTime: async (topic, partition, ms) => {
      const all = await adminCall(topic, () => admin.fetchTopicOffsetsByTimestamp(topic, ms));
      const p = all.find((o) => o.partition === partition);
      if (!p) throw new RealtimeError(ErrorCodes.UnprocessableEntity, `${topic} has no partition ${partition}`, { details: { topic, partition } });
      return BigInt(p.offset);
    },
    read: async (topic, partition, start, end, onRecord, readOptions = {}) => {
      if (!topics.includes(topic)) throw new RealtimeError(ErrorCodes.UnprocessableEntity, `the range reader does not read ${topic}`, { details: { topic } });
      const closed = failure ?? (stopping ? stoppedError() : undefined);
      if (closed) throw closed;
      if (start >= end) return { last: null, stopped: false };
      const { signal, timeoutMs = RANGE_READ_TIMEOUT_MS } = readOptions;
      // the read exists before the bounds are asked, so that timeout, abort and stop() cover that too
      const read = new RangeRead(start, end, onRecord);
      let lane: PartitionLane | undefined; // made once the partition is known to exist
      const giveUp = (err: unknown) => {
        read.fail(err);
        lane?.prune();
      };
      const where = `${topic} [${partition}] ${start}..${end}`;
      const timer = setTimeout(() => giveUp(new RealtimeError(ErrorCodes.KafkaUnavailable, `reading ${where} took more than ${timeoutMs} ms`, { details: { topic, partition } })), timeoutMs);
      const onAbort = () => giveUp(new RealtimeError(ErrorCodes.KafkaUnavailable, `reading ${where} was aborted`, { cause: signal?.reason, details: { topic, partition } }));
      signal?.addEventListener('abort', onAbort, { once: true });
      open.add(read);
      read.onSettle(() => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        open.delete(read);
      });
      if (signal?.aborted) onAbort();
      offsets(topic, partition).then(({ low, high }) => {
        if (read.settled) return;
        const key = `${partition}:${topic}`;
        if (!assigned.has(key)) return read.fail(notAssigned(key, groupId));
        read.clamp(low, high);
        lane = laneOf(topic, partition);
        lane.add(read);
      }).catch((err: unknown) => read.fail(toRealtimeError(err, `reading ${where} failed`, { topic, partition })));
      return read.result;
    },
    stop: () => (stopping ??= (async () => {
      const err = stoppedError();
      for (const read of [...open]) read.fail(err);
      failAll(err);
      await consumer.disconnect().catch((e) => log.warn({ err: String(e) }, 'disconnecting the range consumer failed'));
      await admin.disconnect().catch(() => {});
    })()),
  };
}

const toRangeRecord = (m: KafkaMessage): RangeRecord => ({ offset: BigInt(m.offset), key: m.key, value: m.value, timestamp: Number(m.timestamp) });
/** Another member shares the group (a groupId not unique per process): its partitions cannot be read here. */
const notAssigned = (key: string, groupId: string) =>
  new RealtimeError(ErrorCodes.KafkaUnavailable, `partition ${key} is not assigned to this range reader: another member joined group ${groupId}`, { details: { groupId } });
const stoppedError = () => new RealtimeError(ErrorCodes.KafkaUnavailable, 'the range reader stopped');

/** kafkajs's TypeError of tulios/kafkajs#461 (an empty offsets answer): asked again, it answers. */
const isEmptyOffsetsAnswer = (err: unknown) => err instanceof TypeError && /partitions/.test(err.message);

async function adminRequest<T>(topic: string, call: () => Promise<T>): Promise<T> {
  try {
    return await retrying(async () => {
      try {
        return await call();
      } catch (err) {
        if (!isEmptyOffsetsAnswer(err)) throw err;
        return await call();
      }
    });
  } catch (err) {
    throw toRealtimeError(err, `fetching the offsets of ${topic} failed`, { topic });
  }
}
