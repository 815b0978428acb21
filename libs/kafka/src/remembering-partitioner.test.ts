// The producer's partitioner remembers a key's partition: the same answers as kafkajs's DefaultPartitioner.
import { describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { rememberingPartitioner } from './producer.ts';

const metadata = (n: number) => Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [], isr: [] }));

describe('rememberingPartitioner', () => {
  it('answers as the DefaultPartitioner for every key, again after the partition count changed', () => {
    const ours = rememberingPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    for (const partitions of [8, 8, 3]) {
      for (let i = 0; i < 500; i++) {
        const args = { topic: i % 2 ? 'a' : 'b', partitionMetadata: metadata(partitions), message: { key: `t:tenant-${i % 97}`, value: null } };
        expect(ours(args)).toBe(theirs(args));
      }
    }
  });

  it('leaves explicit partitions to kafkajs', () => {
    const ours = rememberingPartitioner();
    expect(ours({ topic: 'a', partitionMetadata: metadata(8), message: { key: 'k', value: null, partition: 5 } })).toBe(5);
    expect(ours({ topic: 'a', partitionMetadata: metadata(8), message: { key: 'k', value: null } })).toBe(Partitioners.DefaultPartitioner()({ topic: 'a', partitionMetadata: metadata(8), message: { key: 'k', value: null } }));
  });
});
