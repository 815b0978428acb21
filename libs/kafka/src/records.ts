// Turning a consumed Kafka message into (key, decoded value); shared by every reader of every service.
import type { Kafka, KafkaMessage } from 'kafkajs';
import { decode, type SchemaName } from '@realtime/schemas';
import { ErrorCodes } from '@realtime/errors';
import type { Logger } from '@realtime/log';
import { countSkipped } from './record-guard.ts';

export type Decoded<T> = { ok: true; key: string; value: T | null } | { ok: false };

/**
 * A record that does not decode is logged and skipped: one bad record must not stop a reader.
 * With `kafka`, the skip is also counted in realtime_consumer_records_skipped_total.
 */
export function decodeMessage<T>(topic: string, schema: SchemaName, partition: number, message: KafkaMessage, log: Logger, kafka?: Kafka): Decoded<T> {
  const key = message.key === null ? '' : message.key.toString('utf8');
  if (message.value === null) return { ok: true, key, value: null };
  try {
    return { ok: true, key, value: decode<T>(schema, message.value) };
  } catch (err) {
    log.error(
      { code: ErrorCodes.KafkaRecordUndecodable, topic, partition, offset: message.offset, key, reason: (err as { code?: string }).code, err: String(err) },
      'skipping a Kafka record that does not decode',
    );
    if (kafka) countSkipped(kafka, topic, 'undecodable');
    return { ok: false };
  }
}
