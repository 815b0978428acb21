import { describe, expect, it } from 'vitest';
import { ConfigError } from '@realtime/config';
import { presenceConfig } from './config.ts';

describe('presence-service config', () => {
  it('has defaults for everything', () => {
    const { config, warnings } = presenceConfig.load({});
    expect(config).toEqual({
      listenPort: 4020, kafkaBrokers: ['localhost:9092'], topicPrefix: 'realtime.', topicReplicationFactor: 1, topicMinInsyncReplicas: 1, redisUrl: 'redis://localhost:6379', redisClusterNodes: [],
      groupId: 'presence-service', concurrency: 64, emptyStateTtlMs: 600_000, metricsJwtSecret: '', logLevel: 'info',
    });
    expect(warnings).toEqual([]);
  });

  it('takes a Redis Cluster as a comma-separated list of seed nodes', () => {
    expect(presenceConfig.load({ REDIS_CLUSTER_NODES: '10.0.0.1:6379, 10.0.0.2:6379,' }).config.redisClusterNodes).toEqual(['10.0.0.1:6379', '10.0.0.2:6379']);
  });

  it('rejects a bad concurrency and warns about unknown PRESENCE_ variables', () => {
    expect(() => presenceConfig.load({ PRESENCE_CONCURRENCY: '0' })).toThrow(ConfigError);
    expect(presenceConfig.load({ PRESENCE_PORT: '1' }).warnings).toEqual(['unknown variable PRESENCE_PORT (prefix of presence-service); ignored']);
  });
});
