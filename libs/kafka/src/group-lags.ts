// The lag of every consumer group on the topics of one prefix, read once: what `realtime status`
// prints and tenant-admin's GET /api/cluster shows. Groups that never committed on a topic
// (fan-out readers, throwaway groups) are left out: their lag would mean nothing (consumer-lag.ts).
import type { Admin } from 'kafkajs';
import { consumerLag } from './consumer-lag.ts';

export interface GroupLag {
  group: string;
  topic: string;
  /** Records behind, summed over the topic's partitions. */
  lag: number;
}

/** Sorted by group; `admin` must be connected. */
export async function groupLags(admin: Admin, topicPrefix: string): Promise<GroupLag[]> {
  const { groups } = await admin.listGroups();
  const out: GroupLag[] = [];
  const ends = new Map<string, Array<{ partition: number; high: string }>>();
  for (const { groupId } of groups.sort((a, b) => a.groupId.localeCompare(b.groupId))) {
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
      if (!topic.startsWith(topicPrefix) || partitions.every((p) => p.offset === '-1')) continue;
      if (!ends.has(topic)) ends.set(topic, await admin.fetchTopicOffsets(topic));
      out.push({ group: groupId, topic, lag: consumerLag(ends.get(topic)!, partitions) });
    }
  }
  return out;
}
