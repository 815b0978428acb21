// realtime.presence.commands in the shared consumer group (architecture invariant): a channel's key
// picks its partition, a partition has one owner, so one instance applies a channel's commands in
// order. A new group starts from the beginning. Offsets are resolved only for what the batch
// handler reports done and are committed after processing; after a crash or a rebalance the
// uncommitted tail is consumed again, and the store makes that harmless.
import { joinSharedGroup, type Kafka } from '@realtime/kafka';
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
  const { topic, log } = options;
  const group = await joinSharedGroup(kafka, { topic, groupId: options.groupId, fromBeginning: true, log, onAssigned: options.onAssigned, onFatal: options.onFatal }, {
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
  return { stop: group.stop };
}
