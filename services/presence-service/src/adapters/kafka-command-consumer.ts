// realtime.presence.commands in the shared consumer group (architecture invariant): a channel's key
// picks its partition, a partition has one owner, so one instance applies a channel's commands in
// order. A new group starts from the beginning. Offsets are resolved only for what the batch
// handler reports done and are committed after processing; after a crash or a rebalance the
// uncommitted tail is consumed again, and the store makes that harmless.
import { toRealtimeError, type Kafka } from '@realtime/kafka';
import { decode, type PresenceCommand } from '@realtime/schemas';
import type { Logger } from '@realtime/log';
import { ErrorCodes } from '@realtime/errors';
import type { BatchControl, Consumed } from '../processor.ts';

export interface CommandConsumerOptions {
  topic: string;
  groupId: string;
  log: Logger;
  /** Resolves true when every command was processed, false when it stopped early (see BatchControl). */
  onBatch(items: Consumed[], control: BatchControl): Promise<boolean>;
  /** The consumer stopped for good (kafkajs gave up restarting it). */
  onFatal(err: Error): void;
  /** After every rebalance, with this instance's partitions (possibly none). */
  onAssigned?(partitions: number[]): void;
}

export async function consumeCommands(kafka: Kafka, options: CommandConsumerOptions): Promise<{ stop(): Promise<void> }> {
  const { topic, groupId, log } = options;
  // A short session: a crashed instance's channels move to another within ~10 s, not 30.
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 1000, sessionTimeout: 10_000, heartbeatInterval: 2_000 });
  let joined!: () => void;
  let failed!: (err: Error) => void;
  let ready = false;
  const started = new Promise<void>((resolve, reject) => ((joined = resolve), (failed = reject)));
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const partitions = [...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
    log.info({ partitions }, 'presence command partitions assigned');
    options.onAssigned?.(partitions);
    ready = true;
    joined();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    const err = toRealtimeError(payload.error, `consuming ${topic} stopped`, { topic, groupId });
    if (ready) options.onFatal(err);
    else failed(err);
  });

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      // autoCommit: kafkajs commits the resolved offsets after each batch, also when it throws.
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const items: Consumed[] = [];
        for (const message of batch.messages) {
          if (!message.value) continue;
          try {
            items.push({ command: decode<PresenceCommand>('PresenceCommand', message.value), at: { partition: batch.partition, offset: message.offset } });
          } catch (err) {
            log.error({ code: ErrorCodes.KafkaRecordUndecodable, topic, partition: batch.partition, offset: message.offset, err: String(err) }, 'skipping a presence command that does not decode');
          }
        }
        const control: BatchControl = { active: () => isRunning() && !isStale(), done: resolveOffset, heartbeat };
        if (await options.onBatch(items, control)) resolveOffset(batch.lastOffset());
      },
    });
    await started;
  } catch (err) {
    await consumer.disconnect().catch(() => {});
    throw toRealtimeError(err, `consuming ${topic} failed`, { topic, groupId });
  }
  return { stop: () => consumer.disconnect() };
}
