// A consumer in a group shared by the instances of one service (architecture: work is split by
// Kafka's own partition assignment, no home-made leader election): ingest-cdc's tenants,
// presence-service's channels, the ratelimiter's tenants. A short session moves a crashed
// instance's partitions to the others within ~10 s instead of 30. Resolves once the group is
// joined; `onAssigned` hears every assignment, `onFatal` a crash kafkajs will not restart.
import type { Consumer, ConsumerRunConfig, Kafka } from 'kafkajs';
import type { Logger } from '@realtime/log';
import { toRealtimeError } from './errors.ts';

export interface SharedGroupOptions {
  topic: string;
  groupId: string;
  fromBeginning: boolean;
  log: Logger;
  /** After every rebalance, with this instance's partitions of `topic`, sorted (possibly none). */
  onAssigned?(partitions: number[]): void;
  /** The consumer stopped for good after it had joined. */
  onFatal?(err: Error): void;
}

export async function joinSharedGroup(kafka: Kafka, o: SharedGroupOptions, run: ConsumerRunConfig): Promise<{ consumer: Consumer; stop(): Promise<void> }> {
  const { topic, groupId } = o;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 1000, sessionTimeout: 10_000, heartbeatInterval: 2_000 });
  let joined!: () => void;
  let failed!: (err: Error) => void;
  let ready = false;
  const started = new Promise<void>((resolve, reject) => ((joined = resolve), (failed = reject)));
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const partitions = [...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
    o.log.info({ topic, groupId, partitions }, 'partitions assigned');
    o.onAssigned?.(partitions);
    ready = true;
    joined();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    const err = toRealtimeError(payload.error, `consuming ${topic} stopped`, { topic, groupId });
    if (ready) o.onFatal?.(err);
    else failed(err);
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: o.fromBeginning });
    await consumer.run(run);
    await started;
  } catch (err) {
    await consumer.disconnect().catch(() => {});
    throw toRealtimeError(err, `consuming ${topic} failed`, { topic, groupId });
  }
  return { consumer, stop: () => consumer.disconnect() };
}
