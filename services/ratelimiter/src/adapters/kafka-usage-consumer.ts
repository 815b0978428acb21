// realtime.usage in the shared consumer group (docs/ARCHITECTURE.md: "a shared consumer group keyed by
// tenant"): a tenant's reports from every gateway share a partition, so one instance sums them.
// The partitions assigned decide which tenants this instance owns — also the idle ones that have
// a throttle on realtime.limits but send no reports — hence owns(), computed the way the producer
// partitions (murmur2 of the tenant key). A new group starts at the end: old usage is worthless.
import { joinSharedGroup, partitionOf, recordKeys, toRealtimeError, type Kafka } from '@realtime/kafka';
import type { UsageReport } from '@realtime/schemas';
import type { Logger } from '@realtime/log';

export interface UsageConsumerOptions {
  topic: string;
  groupId: string;
  log: Logger;
  onReport(report: UsageReport): void;
  /** After every rebalance, with this instance's partitions (possibly none). */
  onAssigned(partitions: number[]): void;
  /** The consumer stopped for good (kafkajs gave up restarting it). */
  onFatal(err: Error): void;
}

export interface UsageConsumer {
  owns(tenant: string): boolean;
  stop(): Promise<void>;
}

export async function consumeUsage(kafka: Kafka, options: UsageConsumerOptions): Promise<UsageConsumer> {
  const { topic, groupId, log } = options;
  let partitionCount = await countPartitions(kafka, topic);
  let owned = new Set<number>();
  // A crashed instance's tenants move within the group's short session; meanwhile its throttles
  // lapse at their `until` and gateways fall back to their local share.
  const group = await joinSharedGroup(kafka, {
    topic, groupId, fromBeginning: false, log, onFatal: options.onFatal,
    onAssigned: (partitions) => {
      owned = new Set(partitions);
      options.onAssigned(partitions);
      // a rebalance also follows a partition increase: pick up the new count
      void countPartitions(kafka, topic).then((n) => (partitionCount = n), (err) => log.warn({ err: String(err) }, 'counting usage partitions failed; keeping the previous count'));
    },
  }, (records) => ({
    // A report that does not decode or that onReport throws on is skipped (logged, counted).
    eachBatch: async ({ batch, heartbeat }) => {
      for (const message of batch.messages) {
        const record = records.decode<UsageReport>('UsageReport', batch.partition, message);
        if (!record.ok || !record.value) continue;
        const report = record.value;
        await records.guard({ partition: batch.partition, offset: message.offset, key: record.key }, () => options.onReport(report), heartbeat);
      }
    },
  }));
  // partitionOf hashes the key; every tick asks for every tenant, so remember the answers
  const partitionOfTenant = new Map<string, number>();
  let cachedFor = partitionCount;
  const partition = (tenant: string) => {
    if (cachedFor !== partitionCount) (partitionOfTenant.clear(), (cachedFor = partitionCount));
    let p = partitionOfTenant.get(tenant);
    if (p === undefined) partitionOfTenant.set(tenant, (p = partitionOf(recordKeys.tenant(tenant), partitionCount)));
    return p;
  };
  return {
    owns: (tenant) => owned.has(partition(tenant)),
    stop: group.stop,
  };
}

async function countPartitions(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    return (await admin.fetchTopicOffsets(topic)).length;
  } catch (err) {
    throw toRealtimeError(err, `counting the partitions of ${topic} failed`, { topic });
  } finally {
    await admin.disconnect();
  }
}
