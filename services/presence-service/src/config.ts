// presence-service settings. Liveness timings are not settings: gateways and this service must
// agree on them, so they live in @realtime/presence.
import { defineConfig, env, setting, z, kafkaSettings, opsSettings } from '@realtime/config';

export const presenceConfig = defineConfig({
  service: 'presence-service',
  prefixes: ['PRESENCE_'],
  settings: {
    listenPort: setting('PRESENCE_LISTEN_PORT', env.port(4020), 'HTTP port for /healthcheck and /metrics'),
    ...kafkaSettings,
    redisUrl: setting('REDIS_URL', env.str('redis://localhost:6379'), 'Redis holding presence state and gateway liveness (single server; see REDIS_CLUSTER_NODES for a cluster)'),
    redisClusterNodes: setting('REDIS_CLUSTER_NODES', env.list(''), 'Redis Cluster seed nodes (host:port, comma-separated); set, it replaces REDIS_URL. Presence keys are hash-tagged per channel, so any number of masters works'),
    groupId: setting('PRESENCE_GROUP_ID', env.str('presence-service'), 'Consumer group on realtime.presence.commands, shared by every instance: a channel\'s partition has one owner'),
    concurrency: setting('PRESENCE_CONCURRENCY', z.coerce.number().int().min(1).max(256).default(64), 'Channels applied at once, each on its own Redis connection (WATCH/MULTI); shared by the partitions applied at once (8), each holding a connection for a few round trips per command'),
    emptyStateTtlMs: setting('PRESENCE_EMPTY_STATE_TTL_MS', z.coerce.number().int().min(10_000).default(600_000), 'Expiry of an empty channel\'s state in Redis when its deletion after the last leave did not happen (crash, Redis error); longer than a restart, so a replayed command still finds its position'),
    ...opsSettings,
  },
});

export type PresenceConfig = ReturnType<typeof presenceConfig.load>['config'];
