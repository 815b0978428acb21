import { describe, expect, it } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import { createRedisClient, parseNode } from './client.ts';
import { channelTag, presenceKeys } from './keys.ts';

describe('presence Redis client and keys', () => {
  it('is a single-server client unless cluster nodes are given', () => {
    const single = createRedisClient({ url: 'redis://127.0.0.1:1', clusterNodes: [] }, { lazyConnect: true });
    const cluster = createRedisClient({ url: 'redis://127.0.0.1:1', clusterNodes: ['127.0.0.1:2'] }, { lazyConnect: true });
    expect(single).toBeInstanceOf(Redis);
    expect(cluster).toBeInstanceOf(Cluster);
    single.disconnect();
    cluster.disconnect();
  });

  it('reads seed nodes with or without a scheme', () => {
    expect(parseNode('redis://10.0.0.1:7000')).toEqual({ host: '10.0.0.1', port: 7000 });
    expect(parseNode('redis-0.redis:6380')).toEqual({ host: 'redis-0.redis', port: 6380 });
    expect(parseNode('redis-0')).toEqual({ host: 'redis-0', port: 6379 });
  });

  it('gives every key of a channel one hash tag that braces in names cannot end early', () => {
    const c = { tenant: 'a}c', private: true, topic: 'room:{1}' };
    const tag = (key: string) => key.slice(key.indexOf('{') + 1, key.indexOf('}', key.indexOf('{') + 1));
    expect(tag(presenceKeys.members(c))).toBe(tag(presenceKeys.state(c)));
    expect(`{${tag(presenceKeys.members(c))}}`).toBe(channelTag(c));
    expect(tag(presenceKeys.members(c))).toBe('a%7Dc:p:room%3A%7B1%7D');
    const registry = [presenceKeys.epoch, presenceKeys.nodes, presenceKeys.alive('gw 1'), presenceKeys.nodeChannels('gw 1')];
    expect(new Set(registry.map(tag))).toEqual(new Set(['presence-nodes']));
  });
});
