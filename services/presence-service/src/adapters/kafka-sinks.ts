// DiffSink and CommandSink on one idempotent producer (acks=all), keyed by channel so a channel's
// records share a partition. Sends go out one at a time: the consumer's rounds and the liveness
// monitor both use the producer, and kafkajs's idempotent producer is safest without concurrent sends.
import { recordKeys, type AvroProducer } from '@realtime/kafka';
import type { PresenceCommand, PresenceDiff } from '@realtime/schemas';
import type { CommandSink, DiffSink } from '../ports.ts';

export function createKafkaSinks(producer: AvroProducer, topics: { presenceCommands: string; presenceEvents: string }): { diffs: DiffSink; commands: CommandSink } {
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  };
  const key = (r: { tenant: string; private: boolean; topic: string }) => recordKeys.channel(r.tenant, r.private, r.topic);
  return {
    diffs: {
      publish: async (diffs: PresenceDiff[]) => {
        if (diffs.length > 0) await serial(() => producer.send(topics.presenceEvents, 'PresenceDiff', diffs.map((d) => ({ key: key(d), value: d }))));
      },
    },
    commands: {
      send: async (commands: PresenceCommand[]) => {
        if (commands.length > 0) await serial(() => producer.send(topics.presenceCommands, 'PresenceCommand', commands.map((c) => ({ key: key(c), value: c }))));
      },
    },
  };
}
