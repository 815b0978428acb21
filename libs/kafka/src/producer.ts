// Avro records onto Kafka. Every send waits for all in-sync replicas (acks=-1); a null value is a
// tombstone. With `idempotent`, kafkajs retries cannot duplicate or reorder records of a partition.
import { Partitioners, type IHeaders, type Kafka } from 'kafkajs';
import { encode, type SchemaName } from '@realtime/schemas';
import { toRealtimeError } from './errors.ts';
import { requestChunks } from './request-chunks.ts';

export interface OutgoingRecord<T> {
  key: string;
  /** null = tombstone (deletes the key from a compacted topic). */
  value: T | null;
  headers?: IHeaders;
}

export interface SentRecord {
  partition: number;
  /** Offset of the first record of the batch on that partition (a big send is several requests, each listed). */
  offset: string;
}

export interface AvroProducer {
  connect(): Promise<void>;
  /**
   * Resolves once every record is acknowledged; throws a RealtimeError (KafkaUnavailable, KafkaPublishFailed, …).
   * Records go out in order, in requests of at most MAX_REQUEST_BYTES (request-chunks.ts).
   */
  send<T>(topic: string, schema: SchemaName, records: OutgoingRecord<T>[]): Promise<SentRecord[]>;
  disconnect(): Promise<void>;
}

export function createAvroProducer(kafka: Kafka, { idempotent = false }: { idempotent?: boolean } = {}): AvroProducer {
  const producer = kafka.producer({
    idempotent,
    // idempotence keeps order with up to 5 requests in flight; without it, 1 keeps per-key order under retries
    maxInFlightRequests: idempotent ? 5 : 1,
    allowAutoTopicCreation: false,
    // murmur2, the Java client's partitioner: the same key lands on the same partition from any client
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  return {
    async connect() {
      try {
        await producer.connect();
      } catch (err) {
        throw toRealtimeError(err, 'connecting the Kafka producer failed');
      }
    },
    async send(topic, schema, records) {
      if (records.length === 0) return [];
      let messages;
      try {
        messages = records.map((r) => ({
          key: r.key,
          value: r.value === null ? null : encode(schema, r.value as never),
          headers: r.headers,
        }));
      } catch (err) {
        throw toRealtimeError(err, `encoding ${schema} for ${topic} failed`, { topic, schema });
      }
      try {
        // One request after the other, each small enough for the broker: order is kept, and when a
        // request fails the records of the earlier ones are already written (at least once).
        const sent: SentRecord[] = [];
        for (const chunk of requestChunks(messages)) {
          const meta = await producer.send({ topic, acks: -1, messages: chunk });
          sent.push(...meta.map((m) => ({ partition: m.partition, offset: m.baseOffset ?? m.offset ?? '-1' })));
        }
        return sent;
      } catch (err) {
        throw toRealtimeError(err, `sending ${records.length} ${schema} record(s) to ${topic} failed`, { topic, schema });
      }
    },
    disconnect: () => producer.disconnect(),
  };
}
