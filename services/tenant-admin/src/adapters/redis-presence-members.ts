// Presence members per tenant for GET /api/cluster, read from presence-service's Redis: the node
// registry lists, per gateway, the channels where it has members (libs/presence keys.ts), and each
// channel's members hash has one field per member. At most MAX_CHANNELS channels are counted per
// answer, so a tenant with very many presence channels costs a bounded number of commands.
import { createRedisClient, type RedisClient, type RedisTarget } from '@realtime/redis';
import { parseChannelId, presenceKeys } from '@realtime/presence';
import type { PresenceMembers } from '../ports.ts';

const MAX_CHANNELS = 1000;

export function createRedisPresenceMembers(target: RedisTarget): PresenceMembers & { close(): Promise<void> } {
  let client: RedisClient | null = null;
  const redis = () => (client ??= createRedisClient(target, { maxRetriesPerRequest: 1 }));
  return {
    async count() {
      const r = redis();
      const nodes = await r.smembers(presenceKeys.nodes);
      const ids = new Set<string>();
      for (const node of nodes) {
        for (const id of await r.smembers(presenceKeys.nodeChannels(node))) if (ids.size < MAX_CHANNELS) ids.add(id);
      }
      const byTenant = new Map<string, { tenant: string; channels: number; members: number }>();
      await Promise.all([...ids].map(async (id) => {
        const channel = parseChannelId(id);
        const members = await r.hlen(presenceKeys.members(channel));
        if (members === 0) return;
        let t = byTenant.get(channel.tenant);
        if (!t) byTenant.set(channel.tenant, (t = { tenant: channel.tenant, channels: 0, members: 0 }));
        t.channels += 1;
        t.members += members;
      }));
      return [...byTenant.values()].sort((a, b) => a.tenant.localeCompare(b.tenant));
    },
    async close() {
      client?.disconnect();
    },
  };
}
