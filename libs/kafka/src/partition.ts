// Which partition a record key lands on, computed the way the producer does: createAvroProducer uses
// kafkajs's DefaultPartitioner (murmur2, as the Java client), so the replay can read just the one
// partition that holds a tenant's changes. replay.int.test.ts produces with the real producer and
// finds each tenant's records through this function.
import { Partitioners } from 'kafkajs';

export function partitionOf(key: string, partitions: number): number {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [], isr: [] }));
  return Partitioners.DefaultPartitioner()({ topic: '', partitionMetadata, message: { key, value: null } });
}
