// Tenants shared between ingest-cdc workers by Kafka itself (architecture invariant): a consumer
// group on realtime.tenants; the partitions a worker is assigned are the tenants it replicates.
// Offsets are never committed, so every assignment reads its partitions from the beginning and
// rebuilds their tenants from the compacted topic; a revoked partition's tenants are released.
import type { Kafka } from '@realtime/kafka';
import { decode, type TenantSnapshot } from '@realtime/schemas';
import type { Logger } from '@realtime/log';
import { ErrorCodes } from '@realtime/errors';

export interface AssignmentHandlers {
  /** A tenant of an assigned partition, or its new state; null = deleted. */
  onTenant(partition: number, key: string, value: TenantSnapshot | null): Promise<void>;
  /** Partitions this worker no longer owns. */
  onRevoked(partitions: number[]): Promise<void>;
}

export async function followTenantAssignments(kafka: Kafka, options: { topic: string; groupId: string; log: Logger } & AssignmentHandlers) {
  // A short session: a crashed worker's tenants move to another worker within ~10 s, not 30.
  const consumer = kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 1000, allowAutoTopicCreation: false, sessionTimeout: 10_000, heartbeatInterval: 2_000 });
  let owned = new Set<number>();
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const now = new Set(payload.memberAssignment[options.topic] ?? []);
    const revoked = [...owned].filter((p) => !now.has(p));
    owned = now;
    options.log.info({ partitions: [...now].sort((a, b) => a - b) }, 'tenant partitions assigned');
    if (revoked.length > 0) void options.onRevoked(revoked);
  });
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const key = message.key?.toString() ?? '';
      let value: TenantSnapshot | null = null;
      if (message.value) {
        try {
          value = decode<TenantSnapshot>('TenantSnapshot', message.value);
        } catch (err) {
          options.log.error({ code: ErrorCodes.UnknownError, tenant: key, err: String(err) }, 'tenant snapshot undecodable; skipped');
          return;
        }
      }
      await options.onTenant(partition, key, value);
    },
  });
  return {
    stop: async () => {
      await consumer.disconnect();
      await options.onRevoked([...owned]);
    },
  };
}
