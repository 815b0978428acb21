// Tenants shared between ingest-cdc workers by Kafka itself (docs/ARCHITECTURE.md, invariants): a consumer
// group on realtime.tenants; the partitions a worker is assigned are the tenants it replicates.
// Offsets are never committed, so every assignment reads its partitions from the beginning and
// rebuilds their tenants from the compacted topic; a revoked partition's tenants are released.
import { joinSharedGroup, type Kafka } from '@realtime/kafka';
import type { TenantSnapshot } from '@realtime/schemas';
import type { Logger } from '@realtime/log';

export interface AssignmentHandlers {
  /** A tenant of an assigned partition, or its new state; null = deleted. */
  onTenant(partition: number, key: string, value: TenantSnapshot | null): Promise<void>;
  /** Partitions this worker no longer owns. */
  onRevoked(partitions: number[]): Promise<void>;
}

export async function followTenantAssignments(kafka: Kafka, options: { topic: string; groupId: string; log: Logger } & AssignmentHandlers) {
  let owned = new Set<number>();
  const group = await joinSharedGroup(kafka, {
    topic: options.topic, groupId: options.groupId, fromBeginning: true, log: options.log,
    onAssigned: (partitions) => {
      const now = new Set(partitions);
      const revoked = [...owned].filter((p) => !now.has(p));
      owned = now;
      if (revoked.length > 0) void options.onRevoked(revoked);
    },
  }, (records) => ({
    autoCommit: false,
    // A snapshot that does not decode or that onTenant refuses is skipped; a retryable failure is retried.
    eachMessage: async ({ partition, message, heartbeat }) => {
      const record = records.decode<TenantSnapshot>('TenantSnapshot', partition, message);
      if (!record.ok) return;
      await records.guard({ partition, offset: message.offset, key: record.key }, () => options.onTenant(partition, record.key, record.value), heartbeat);
    },
  }));
  return {
    stop: async () => {
      await group.stop();
      await options.onRevoked([...owned]);
    },
  };
}
