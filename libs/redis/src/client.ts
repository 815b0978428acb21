// Client factory: one Redis client on a single server (REDIS_URL) or a Redis Cluster
// (REDIS_CLUSTER_NODES, a few seed nodes; the client learns the rest of the topology). Both kinds
// take the same commands as long as every command, transaction and script names keys of one hash
// tag, as presence's do (libs/presence keys.ts).
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { CLUSTER_SLOTS_REFRESH_MS, RedisTimeoutProfiles, type RedisTimeouts } from './timeouts.ts';

export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  url: string;
  /** host:port or redis://host:port seeds; non-empty means cluster mode (url is then unused). */
  clusterNodes: string[];
}

/** Options that apply per connection; cluster mode passes them to every node's connection. */
export type ConnectionOptions = Pick<RedisOptions, 'lazyConnect' | 'maxRetriesPerRequest' | 'enableOfflineQueue'>;

/**
 * A client whose timeouts come from `timeouts` (a profile of timeouts.ts, the one place they are
 * set); tests that need a Redis to hang sooner pass their own.
 */
export function createRedisClient(target: RedisTarget, options: ConnectionOptions = {}, timeouts: RedisTimeouts = RedisTimeoutProfiles.interactive): RedisClient {
  const withTimeouts: RedisOptions = { ...options, connectTimeout: timeouts.connectMs, commandTimeout: timeouts.commandMs };
  if (target.clusterNodes.length === 0) return new Redis(target.url, withTimeouts);
  const { lazyConnect, enableOfflineQueue, ...perNode } = withTimeouts;
  return new Cluster(target.clusterNodes.map(parseNode), {
    lazyConnect,
    enableOfflineQueue,
    // A master that died moves its slots to a replica within cluster-node-timeout: retry a
    // command's redirections for about that long instead of failing it at once.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
    maxRedirections: 16,
    // Refresh the slot map often enough to notice a failover even while a node only times out.
    slotsRefreshTimeout: CLUSTER_SLOTS_REFRESH_MS,
    redisOptions: perNode,
  });
}

export function parseNode(node: string): { host: string; port: number } {
  const url = new URL(node.includes('://') ? node : `redis://${node}`);
  return { host: url.hostname, port: Number(url.port || 6379) };
}

/** Where a service's logs say it keeps its state. */
export const describeTarget = (t: RedisTarget) => (t.clusterNodes.length > 0 ? `cluster ${t.clusterNodes.join(',')}` : t.url);

export const singleRedis = (url: string): RedisTarget => ({ url, clusterNodes: [] });
