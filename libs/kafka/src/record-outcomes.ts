// Each record of a send succeeds or fails alone. A send can mix tenants (a gateway batches every
// channel's broadcasts, ingest-cdc several transactions), so one record the broker refuses (larger
// than the topic's max.message.bytes) must not fail the records around it. Pure: the request itself
// is a function the caller passes (producer.ts hands in kafkajs), so the tests use a plain function.
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import { messageBytes, requestChunks, type SizedMessage } from './request-chunks.ts';

/** Header of a v2 record batch (magic, CRC, offsets, producer id …): the broker counts it against max.message.bytes. */
export const RECORD_BATCH_OVERHEAD_BYTES = 61;

/**
 * What a record's key, headers and framing may add to its value, with the batch header: a value of
 * at most max.message.bytes − RECORD_ENVELOPE_BYTES fits whatever its (short) key.
 */
export const RECORD_ENVELOPE_BYTES = 4096;

export type RecordOutcome = { ok: true } | { ok: false; error: RealtimeError };

export interface Written {
  partition: number;
  offset: string;
}

/** Broker errors that belong to one record (or its batch) rather than to the broker's health. */
const RECORD_ERROR_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE']);

/** True when `err` (a kafkajs error, possibly wrapped) says the records themselves were refused. */
export function isRecordError(err: unknown): boolean {
  for (let e = err as { type?: unknown; cause?: unknown; errors?: unknown[] } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.type === 'string' && RECORD_ERROR_TYPES.has(e.type)) return true;
    e = (e.cause ?? e.errors?.[0]) as typeof e | undefined;
  }
  return false;
}

/** The refusal of one record that does not fit in `limitBytes` (the topic's max.message.bytes). */
export function recordTooLarge(topic: string, bytes: number, limitBytes: number): RealtimeError {
  return new RealtimeError(ErrorCodes.PayloadSizeExceeded, `record of ${bytes} bytes does not fit in ${topic} (max.message.bytes ${limitBytes})`, {
    retryable: false, details: { topic, bytes, limitBytes },
  });
}

export interface SendPlan<M> {
  topic: string;
  messages: Array<M | RealtimeError>;
  /** The topic's max.message.bytes when known; unknown means only the broker's answer tells. */
  limitBytes?: number;
  maxRequestBytes?: number;
  /** One produce request: resolves with one { partition, offset } per partition written. */
  sendChunk(chunk: M[]): Promise<Written[]>;
  /** Turns a failure of sendChunk into the RealtimeError its records get. */
  toError(err: unknown): RealtimeError;
}

/**
 * Sends the messages in order, in requests of at most maxRequestBytes, and returns one outcome per
 * message (same index). A message that is already an error, or too large for the topic, fails alone
 * without a request. A request refused for its records is retried one record per request, so only
 * the offending record fails. A request that fails otherwise (broker down) fails its records and
 * every later one, unsent: sending them would put them in Kafka ahead of the failed ones.
 */
export async function sendEachRecord<M extends SizedMessage>(plan: SendPlan<M>): Promise<{ outcomes: RecordOutcome[]; written: Written[] }> {
  const outcomes: Array<RecordOutcome | undefined> = plan.messages.map((m) => {
    if (m instanceof RealtimeError) return { ok: false, error: m };
    const bytes = messageBytes(m) + RECORD_BATCH_OVERHEAD_BYTES;
    return plan.limitBytes !== undefined && bytes > plan.limitBytes ? { ok: false, error: recordTooLarge(plan.topic, bytes, plan.limitBytes) } : undefined;
  });
  const pending = plan.messages.flatMap((m, i) => (outcomes[i] === undefined ? [{ key: (m as M).key, value: (m as M).value, headers: (m as M).headers, index: i }] : []));
  const written: Written[] = [];
  let failure: RealtimeError | undefined;
  const send = async (indexes: number[]): Promise<unknown> => {
    try {
      written.push(...(await plan.sendChunk(indexes.map((i) => plan.messages[i] as M))));
      for (const i of indexes) outcomes[i] = { ok: true };
      return undefined;
    } catch (err) {
      return err;
    }
  };
  for (const chunk of requestChunks(pending, plan.maxRequestBytes)) {
    const indexes = chunk.map((m) => m.index);
    const err = failure ?? (await send(indexes));
    if (err === undefined) continue;
    if (failure || !isRecordError(err)) {
      failure ??= plan.toError(err);
      for (const i of indexes) outcomes[i] = { ok: false, error: failure };
      continue;
    }
    // The broker refused a record of this request: find which, one record per request.
    for (const i of indexes) {
      const alone = failure ?? (await send([i]));
      if (alone === undefined) continue;
      if (!failure && isRecordError(alone)) {
        const m = plan.messages[i] as M;
        outcomes[i] = { ok: false, error: recordTooLarge(plan.topic, messageBytes(m) + RECORD_BATCH_OVERHEAD_BYTES, plan.limitBytes ?? -1) };
      } else {
        failure ??= plan.toError(alone);
        outcomes[i] = { ok: false, error: failure };
      }
    }
  }
  return { outcomes: outcomes as RecordOutcome[], written };
}

/**
 * For a caller that would rather skip a record too large for Kafka than fail a whole batch over it
 * (a replay would be refused again, forever): calls `onTooLarge` for each PayloadSizeExceeded and
 * throws the first other failure.
 */
export function skipTooLarge(outcomes: readonly RecordOutcome[], onTooLarge: (index: number, error: RealtimeError) => void): void {
  let failure: RealtimeError | undefined;
  outcomes.forEach((o, i) => {
    if (o.ok) return;
    if (o.error.code === ErrorCodes.PayloadSizeExceeded) onTooLarge(i, o.error);
    else failure ??= o.error;
  });
  if (failure) throw failure;
}
