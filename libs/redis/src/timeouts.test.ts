// Every client gets its timeouts from a profile of timeouts.ts, on a single server and on every
// node of a cluster alike.
import { describe, expect, it } from 'vitest';
import type { Cluster, Redis } from 'ioredis';
import { createRedisClient, singleRedis } from './client.ts';
import { RedisTimeoutProfiles } from './timeouts.ts';

describe('Redis client timeouts', () => {
  it('come from the interactive profile unless another is given', () => {
    const single = createRedisClient(singleRedis('redis://127.0.0.1:1'), { lazyConnect: true }) as Redis;
    const batch = createRedisClient(singleRedis('redis://127.0.0.1:1'), { lazyConnect: true }, RedisTimeoutProfiles.batch) as Redis;
    expect(single.options).toMatchObject({ connectTimeout: RedisTimeoutProfiles.interactive.connectMs, commandTimeout: RedisTimeoutProfiles.interactive.commandMs });
    expect(batch.options).toMatchObject({ connectTimeout: RedisTimeoutProfiles.batch.connectMs, commandTimeout: RedisTimeoutProfiles.batch.commandMs });
    single.disconnect();
    batch.disconnect();
  });

  it('reach each node of a cluster', () => {
    const cluster = createRedisClient({ url: '', clusterNodes: ['127.0.0.1:2'] }, { lazyConnect: true }, RedisTimeoutProfiles.batch) as Cluster;
    expect(cluster.options.redisOptions).toMatchObject({ connectTimeout: 10_000, commandTimeout: 5000 });
    cluster.disconnect();
  });
});
