// NodeRegistry on Redis (keys from @realtime/presence): the node set, each node's channel set, the
// liveness keys the gateways renew, and the epoch that names this Redis data set. All of them share
// one hash tag, so the pipeline and the script below stay in one slot of a Redis Cluster.
import { randomUUID } from 'node:crypto';
import { parseChannelId, presenceKeys, type PresenceChannel, type RedisClient } from '@realtime/presence';
import type { Logger } from '@realtime/log';
import { ErrorCodes } from '@realtime/errors';
import type { NodeRegistry } from '../ports.ts';
import { toRedisError } from './redis-errors.ts';

/**
 * KEYS[1] = the node's channel set, KEYS[2] = the node set, ARGV[1] = node. Atomic, so a TRACK
 * that adds the node back (SADD both sets in one MULTI) is never undone by a stale emptiness check.
 */
export const FORGET_IF_IDLE = "if redis.call('SCARD', KEYS[1]) == 0 then return redis.call('SREM', KEYS[2], ARGV[1]) end return 0";

export function createRedisNodeRegistry(redis: RedisClient, log: Logger): NodeRegistry {
  const guard = <T>(what: string, fn: () => Promise<T>) => fn().catch((err: unknown) => { throw toRedisError(err, what); });
  return {
    ensureEpoch: () => guard('setting the presence epoch', async () => void (await redis.set(presenceKeys.epoch, randomUUID(), 'NX'))),
    deadNodes: () => guard('reading gateway liveness', async () => {
      const nodes = await redis.smembers(presenceKeys.nodes);
      if (nodes.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const node of nodes) pipeline.exists(presenceKeys.alive(node));
      const results = (await pipeline.exec()) ?? [];
      return nodes.filter((_, i) => {
        const [err, exists] = results[i] ?? [new Error('no reply'), 1];
        if (err) throw err;
        return exists === 0;
      });
    }),
    channelsOf: (node) => guard('reading a node\'s channels', async () => {
      const channels: PresenceChannel[] = [];
      for (const id of await redis.smembers(presenceKeys.nodeChannels(node))) {
        try {
          channels.push(parseChannelId(id));
        } catch {
          log.error({ code: ErrorCodes.UnknownError, node, id }, 'unreadable channel id in a node\'s channel set; removed');
          await redis.srem(presenceKeys.nodeChannels(node), id);
        }
      }
      return channels;
    }),
    forgetIfIdle: (node) => guard('forgetting an idle node', async () =>
      void (await redis.eval(FORGET_IF_IDLE, 2, presenceKeys.nodeChannels(node), presenceKeys.nodes, node))),
  };
}
