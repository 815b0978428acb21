// SnapshotPublisher on realtime.tenants: Avro TenantSnapshot keyed by external_id, null value =
// tombstone. Idempotent producer (acks=all), so a send resolves only once every replica has it.
// A snapshot larger than the topic's max.message.bytes (read at start-up) is logged and skipped,
// not failed: the relay would retry it forever and no other tenant's change would be published.
import { createAvroProducer, readRecordLimits, skipTooLarge, type Kafka } from '@realtime/kafka';
import type { Logger } from '@realtime/log';
import type { SnapshotPublisher } from '../ports.ts';

export async function startKafkaSnapshotPublisher(kafka: Kafka, topic: string, log?: Logger): Promise<SnapshotPublisher & { close(): Promise<void> }> {
  const recordLimits = await readRecordLimits(kafka, [topic]);
  log?.info({ recordLimits }, 'Kafka record limits');
  const producer = createAvroProducer(kafka, { idempotent: true, recordLimits });
  await producer.connect();
  return {
    async publish(records) {
      const outcomes = await producer.sendEach(topic, 'TenantSnapshot', records.map((r) => ({ key: r.key, value: r.value })));
      skipTooLarge(outcomes, (i, error) => log?.error({ code: error.code, tenant: records[i]!.key, details: error.details }, 'tenant snapshot too large for Kafka: skipped'));
    },
    close: () => producer.disconnect(),
  };
}
