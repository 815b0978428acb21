// Consumer group lag for GET /api/cluster: a Kafka admin connection per read (the answer is cached
// by core/cluster.ts), so an idle tenant-admin holds no extra connection.
import { groupLags, type Kafka } from '@realtime/kafka';
import type { ConsumerLagSource } from '../ports.ts';

export function createKafkaConsumerLag(kafka: Kafka, topicPrefix: string): ConsumerLagSource {
  return {
    async read() {
      const admin = kafka.admin();
      try {
        await admin.connect();
        return await groupLags(admin, topicPrefix);
      } finally {
        await admin.disconnect().catch(() => {});
      }
    },
  };
}
