// Avro records onto Kafka. Every send waits for all in-sync replicas (acks=-1); a null value is a
// tombstone. With `idempotent`, kafkajs retries cannot duplicate or reorder records of a partition.
import './kafkajs-grouping-fix.ts'; // before kafkajs loads: linear grouping of a send's messages
import { Partitioners, type ICustomPartitioner, type IHeaders, type Kafka } from 'kafkajs';
import { encode, type SchemaName } from '@realtime/schemas';
import { toRealtimeError } from './errors.ts';
import { sendEachRecord, type RecordOutcome } from './record-outcomes.ts';

export interface OutgoingRecord<T> {
  key: string;
  /** null = tombstone (deletes the key from a compacted topic). */
  value: T | null;
  /**
   * The value already encoded (same schema): sent as is. ingest-cdc's hash chain covers the exact
   * bytes it hashed, so they must not be encoded a second time.
   */
  encoded?: Buffer;
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
  /**
   * One outcome per record, same order: a record that does not encode or does not fit in the topic
   * (`PayloadSizeExceeded`) fails alone and the others are still sent. Never throws.
   */
  sendEach<T>(topic: string, schema: SchemaName, records: OutgoingRecord<T>[]): Promise<RecordOutcome[]>;
  disconnect(): Promise<void>;
}

export interface AvroProducerOptions {
  idempotent?: boolean;
  /**
   * max.message.bytes of the topics this producer writes (readRecordLimits): a record over it is
   * refused before any request. Without it the broker's MESSAGE_TOO_LARGE tells, record by record.
   */
  recordLimits?: Readonly<Record<string, number>>;
}

export function createAvroProducer(kafka: Kafka, { idempotent = false, recordLimits = {} }: AvroProducerOptions = {}): AvroProducer {
  const producer = kafka.producer({
    idempotent,
    // idempotence keeps order with up to 5 requests in flight; without it, 1 keeps per-key order under retries
    maxInFlightRequests: idempotent ? 5 : 1,
    allowAutoTopicCreation: false,
    // murmur2, the Java client's partitioner: the same key lands on the same partition from any client
    createPartitioner: rememberingPartitioner,
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
      const { outcomes, written } = await sendEach(topic, schema, records);
      const failed = outcomes.find((o) => !o.ok);
      if (failed) throw failed.error;
      return written;
    },
    sendEach: async (topic, schema, records) => (await sendEach(topic, schema, records)).outcomes,
    disconnect: () => producer.disconnect(),
  };

  async function sendEach<T>(topic: string, schema: SchemaName, records: OutgoingRecord<T>[]) {
    const messages = records.map((r) => {
      try {
        return { key: r.key, value: r.encoded ?? (r.value === null ? null : encode(schema, r.value as never)), headers: r.headers };
      } catch (err) {
        return toRealtimeError(err, `encoding ${schema} for ${topic} failed`, { topic, schema });
      }
    });
    // One request after the other, each small enough for the broker: order is kept, and when a
    // request fails the records of the earlier ones are already written (at least once).
    return sendEachRecord({
      topic,
      messages,
      limitBytes: recordLimits[topic],
      sendChunk: async (chunk) =>
        (await producer.send({ topic, acks: -1, messages: chunk })).map((m) => ({ partition: m.partition, offset: m.baseOffset ?? m.offset ?? '-1' })),
      toError: (err) => toRealtimeError(err, `sending ${records.length} ${schema} record(s) to ${topic} failed`, { topic, schema }),
    });
  }
}

/** Keys whose partition a producer remembers before it starts over (a bound on its memory). */
const KEYS_REMEMBERED = 10_000;

/**
 * kafkajs's DefaultPartitioner, remembering each key's partition: it depends only on the key and
 * the topic's partition count, and kafkajs hashed the key (and filtered the partition list) for
 * every record of a send, most of which share the tenant's key (bench P4). Unkeyed records and
 * explicit partitions go to kafkajs as they are.
 */
export const rememberingPartitioner: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner();
  const topics = new Map<string, { partitions: number; keys: Map<string, number> }>();
  return (args) => {
    const { topic, partitionMetadata, message } = args;
    if (message.partition != null || typeof message.key !== 'string') return partitioner(args);
    let known = topics.get(topic);
    if (!known || known.partitions !== partitionMetadata.length || known.keys.size >= KEYS_REMEMBERED) {
      known = { partitions: partitionMetadata.length, keys: new Map() };
      topics.set(topic, known);
    }
    let partition = known.keys.get(message.key);
    if (partition === undefined) known.keys.set(message.key, (partition = partitioner(args)));
    return partition;
  };
};
