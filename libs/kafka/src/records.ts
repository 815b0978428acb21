// Turning a consumed Kafka message into (key, decoded value); shared by the table and fan-out readers.
import type { KafkaMessage } from 'kafkajs';
import { decode, type SchemaName } from '@realtime/schemas';
import { ErrorCodes } from '@realtime/errors';
import type { Logger } from '@realtime/log';

export type Decoded<T> = { ok: true; key: string; value: T | null } | { ok: false };

/** A record that does not decode is logged and skipped: one bad record must not stop a reader. */
export function decodeMessage<T>(topic: string, schema: SchemaName, partition: number, message: KafkaMessage, log: Logger): Decoded<T> {
  const key = message.key === null ? '' : message.key.toString('utf8');
  if (message.value === null) return { ok: true, key, value: null };
  try {
    return { ok: true, key, value: decode<T>(schema, message.value) };
  } catch (err) {
    log.error(
      { code: ErrorCodes.KafkaRecordUndecodable, topic, partition, offset: message.offset, key, reason: (err as { code?: string }).code, err: String(err) },
      'skipping a Kafka record that does not decode',
    );
    return { ok: false };
  }
}
