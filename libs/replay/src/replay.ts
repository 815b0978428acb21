// Replay for audit (docs/ARCHITECTURE.md "Replay and audit"): a tenant's ChangeEvents from realtime.cdc
// between two points, in topic order, each (commit_lsn_num, seq) once, then the end.
//
// - Bounded: the tenant's partition is read up to its end offset taken at the start, never beyond,
//   so the same range replayed twice yields the same events (deterministic order: one partition).
// - Only that partition is read (partition-reader.ts): records are keyed by tenant, and partitionOf
//   mirrors the producer.
// - A time bound seeks by record timestamp (ingest-cdc's clock at send, never before the commit),
//   `clockSkewMs` earlier in case Postgres's clock runs ahead; an LSN bound reads from the start.
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import type { ChangeEvent } from '@realtime/schemas';
import type { Logger } from '@realtime/log';
import { decodeMessage, Handoff, partitionOf, recordKeys, retrying, toRealtimeError, type Kafka } from '@realtime/kafka';
import { partitionOffsets, readPartition, type PartitionRange } from './partition-reader.ts';
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
  const read = await readPartition(kafka, plan, log, async (message) => {
    if (message.key?.toString('utf8') !== recordKeys.tenant(tenant)) return;
    const record = decodeMessage<ChangeEvent>(topic, 'ChangeEvent', plan.partition, message as Parameters<typeof decodeMessage>[3], log);
    if (record.ok && record.value && accept(record.value)) await handoff.put(record.value);
  });
  read.done.then(() => handoff.end(), (err: unknown) => handoff.end(err));
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (handoff.close(), read.close()));
  log.debug({ partition: plan.partition, start: String(plan.start), end: String(plan.end) }, 'replay started');
  return { [Symbol.asyncIterator]: () => iterate(close), close };
}

function toRange(o: ReplayOptions): ReplayRange {
  if (o.range) return o.range;
  const parsed = parseReplayRange({ from: o.from, to: o.to, table: o.table });
  if (!parsed.ok) throw new RealtimeError(ErrorCodes.UnprocessableEntity, `invalid replay range: ${JSON.stringify(parsed.errors)}`, { details: parsed.errors });
  return parsed.range;
}

/** The tenant's partition, from the offset of `from` (a time) or its start, up to its end now. */
export async function planRead(kafka: Kafka, topic: string, key: string, from: ReplayPoint, clockSkewMs: number): Promise<PartitionRange> {
  const { range } = await partitionOffsets(kafka, topic, (partitions) => partitionOf(key, partitions));
  if (from.kind !== 'time') return range;
  const admin = kafka.admin();
  try {
    await admin.connect();
    const at = Math.max(0, Math.floor(from.micros / 1000) - clockSkewMs);
    const byTime = await retrying(() => admin.fetchTopicOffsetsByTimestamp(topic, at));
    const found = BigInt(byTime.find((p) => p.partition === range.partition)!.offset);
    return found > range.start ? { ...range, start: found } : range;
  } catch (err) {
    throw toRealtimeError(err, `fetching the offsets of ${topic} failed`, { topic });
  } finally {
    await admin.disconnect();
  }
}
