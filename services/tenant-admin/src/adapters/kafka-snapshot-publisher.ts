// SnapshotPublisher on realtime.tenants: Avro TenantSnapshot keyed by external_id, null value =
// tombstone. Idempotent producer (acks=all), so a send resolves only once every replica has it.
import { createAvroProducer, type Kafka } from '@realtime/kafka';
import type { SnapshotPublisher } from '../ports.ts';

export async function startKafkaSnapshotPublisher(kafka: Kafka, topic: string): Promise<SnapshotPublisher & { close(): Promise<void> }> {
  const producer = createAvroProducer(kafka, { idempotent: true });
  await producer.connect();
  return {
    async publish(records) {
      await producer.send(topic, 'TenantSnapshot', records.map((r) => ({ key: r.key, value: r.value })));
    },
    close: () => producer.disconnect(),
  };
}
