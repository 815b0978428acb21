// Kafka errors become catalog codes here, once (docs/STYLE.md §5); supervising loops decide retry or
// crash from `retryable` alone. kafkajs marks its errors `retriable` from its own point of view
// (retry this request now); after its retries are exhausted it says "not retriable", yet for a
// service loop a broker outage is still worth retrying later, so availability errors stay retryable.
import { ErrorCodes, RealtimeError, type ErrorCode } from '@realtime/errors';

export interface KafkaErrorClass {
  code: ErrorCode;
  retryable: boolean;
}

const UNAVAILABLE_NAMES = new Set([
  'KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSBrokerNotFound', 'KafkaJSRequestTimeoutError',
  'KafkaJSTimeout', 'KafkaJSLockTimeout', 'KafkaJSGroupCoordinatorNotFound', 'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
]);

const UNAVAILABLE_PROTOCOL_TYPES = new Set([
  'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER', 'BROKER_NOT_AVAILABLE',
  'REPLICA_NOT_AVAILABLE', 'REQUEST_TIMED_OUT', 'NETWORK_EXCEPTION', 'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR', 'NOT_ENOUGH_REPLICAS', 'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'KAFKA_STORAGE_ERROR', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH', 'UNKNOWN_TOPIC_OR_PARTITION',
]);

interface KafkaJsLike {
  name?: unknown;
  type?: unknown;
  retriable?: unknown;
  cause?: unknown;
  code?: unknown;
}

export function classifyKafkaError(err: unknown): KafkaErrorClass {
  if (err instanceof RealtimeError) return { code: err.code, retryable: err.retryable };
  const e = (typeof err === 'object' && err !== null ? err : {}) as KafkaJsLike;
  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'SchemaError') return { code: ErrorCodes.KafkaRecordUndecodable, retryable: false };
  if (name === 'KafkaJSNumberOfRetriesExceeded' || name === 'KafkaJSAggregateError') {
    const inner = e.cause ?? (err as { errors?: unknown[] }).errors?.[0];
    const cls = inner === undefined ? undefined : classifyKafkaError(inner);
    if (cls?.code === ErrorCodes.KafkaUnavailable) return cls;
    return { code: ErrorCodes.KafkaPublishFailed, retryable: cls?.retryable ?? true };
  }
  if (UNAVAILABLE_NAMES.has(name)) return { code: ErrorCodes.KafkaUnavailable, retryable: true };
  if (name === 'KafkaJSProtocolError' || name === 'KafkaJSOffsetOutOfRange') {
    if (typeof e.type === 'string' && UNAVAILABLE_PROTOCOL_TYPES.has(e.type)) return { code: ErrorCodes.KafkaUnavailable, retryable: true };
    return { code: ErrorCodes.KafkaPublishFailed, retryable: e.retriable === true };
  }
  if (name.startsWith('KafkaJS')) return { code: ErrorCodes.KafkaPublishFailed, retryable: e.retriable === true };
  return { code: ErrorCodes.UnknownError, retryable: false };
}

/** A RealtimeError carrying the classified code, the original error as `cause`. */
export function toRealtimeError(err: unknown, message: string, details?: Record<string, unknown>): RealtimeError {
  if (err instanceof RealtimeError) return err;
  const { code, retryable } = classifyKafkaError(err);
  const reason = err instanceof Error ? err.message : String(err);
  return new RealtimeError(code, `${message}: ${reason}`, { cause: err, retryable, details });
}
