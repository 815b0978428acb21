// realtime.presence.commands in the shared consumer group (docs/ARCHITECTURE.md, invariants): a channel's key
// picks its partition, a partition has one owner, so one instance applies a channel's commands in
// order. A new group starts from the beginning. Offsets are resolved only for what the batch
// handler reports done and are committed after processing; after a crash or a rebalance the
// uncommitted tail is consumed again, and the store makes that harmless.
// A batch that fails with a retryable error (Redis or Kafka down) throws: kafkajs retries it from the
// last resolved offset. Any other failure is a poison command: the rest of the batch is applied one
// command at a time, so only the command that fails again is skipped (logged, counted).
import { joinSharedGroup, type Kafka, type RecordTools } from '@realtime/kafka';
import type { PresenceCommand } from '@realtime/schemas';
import type { Logger } from '@realtime/log';
import { isRetryable } from '@realtime/errors';
import type { BatchControl, Consumed } from '../ports.ts';

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

/**
 * Partitions whose batches are applied at the same time. A partition's commands still go in order
 * (kafkajs hands one partition one batch at a time), but a batch waits on Redis and on Kafka's
 * acknowledgement round after round: with one partition at a time, every other channel waited too.
 */
export const PARTITIONS_AT_ONCE = 8;

export async function consumeCommands(kafka: Kafka, options: CommandConsumerOptions): Promise<{ stop(): Promise<void> }> {
  const { topic, log } = options;
  const group = await joinSharedGroup(kafka, { topic, groupId: options.groupId, fromBeginning: true, log, onAssigned: options.onAssigned, onFatal: options.onFatal }, (records) => ({
    autoCommit: true,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: PARTITIONS_AT_ONCE,
    // autoCommit: kafkajs commits the resolved offsets after each batch, also when it throws.
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      const items: Consumed[] = [];
      for (const message of batch.messages) {
        const record = records.decode<PresenceCommand>('PresenceCommand', batch.partition, message);
        if (record.ok && record.value) items.push({ command: record.value, at: { partition: batch.partition, offset: message.offset } });
      }
      const control: BatchControl = { active: () => isRunning() && !isStale(), done: resolveOffset, heartbeat };
      if (await applyBatch(items, options.onBatch, control, records)) resolveOffset(batch.lastOffset());
    },
  }));
  return { stop: group.stop };
}

/**
 * Resolves true when every command was applied or skipped. A retryable failure throws (kafkajs
 * retries the batch from the last done offset); any other failure re-applies the commands not yet
 * done one at a time through the record guard, so only the command that fails again is skipped.
 */
export async function applyBatch(items: Consumed[], onBatch: CommandConsumerOptions['onBatch'], control: BatchControl, records: RecordTools): Promise<boolean> {
  let done = -1n;
  const tracked: BatchControl = { ...control, done: (offset) => ((done = BigInt(offset)), control.done(offset)) };
  try {
    return await onBatch(items, tracked);
  } catch (err) {
    if (isRetryable(err)) throw err;
  }
  for (const item of items.filter((i) => BigInt(i.at.offset) > done)) {
    if (!control.active()) return false;
    let finished = true;
    await records.guard({ partition: item.at.partition, offset: item.at.offset }, async () => void (finished = await onBatch([item], tracked)), control.heartbeat);
    if (!finished) return false;
    if (BigInt(item.at.offset) > done) tracked.done(item.at.offset); // a skipped command is done too
  }
  return true;
}
