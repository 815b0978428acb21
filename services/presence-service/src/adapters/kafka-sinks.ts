// DiffSink and CommandSink on one idempotent producer (acks=all), keyed by channel so a channel's
// records share a partition. Sends go out one at a time: the consumer's rounds and the liveness
// monitor both use the producer, and kafkajs's idempotent producer is safest without concurrent sends.
// The rounds of the partitions consumed at once (kafka-command-consumer.ts) publish concurrently:
// the diffs that wait while a send is in flight go out together in the next one, one acks=all
// round trip for all of them; each round still resolves only once its own diffs are acknowledged.
// A diff too large for realtime.presence.events (a member's big meta leaving and joining in one diff)
// is logged and skipped, not failed: the round would be retried and refused again, forever, and the
// partition (every tenant on it) would stop.
import { recordKeys, skipTooLarge, type AvroProducer, type RecordOutcome } from '@realtime/kafka';
import type { Logger } from '@realtime/log';
import type { PresenceCommand, PresenceDiff } from '@realtime/schemas';
import type { CommandSink, DiffSink } from '../ports.ts';

interface Waiting {
  diffs: PresenceDiff[];
  resolve(outcomes: RecordOutcome[]): void;
  reject(err: unknown): void;
}

export function createKafkaSinks(
  producer: AvroProducer, topics: { presenceCommands: string; presenceEvents: string }, log?: Logger,
): { diffs: DiffSink; commands: CommandSink } {
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  };
  const key = (r: { tenant: string; private: boolean; topic: string }) => recordKeys.channel(r.tenant, r.private, r.topic);
  let waiting: Waiting[] = [];
  let pumping = false;
  const pump = async () => {
    pumping = true;
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      const all = group.flatMap((w) => w.diffs);
      try {
        const outcomes = await serial(() => producer.sendEach(topics.presenceEvents, 'PresenceDiff', all.map((d) => ({ key: key(d), value: d }))));
        let at = 0;
        for (const w of group) w.resolve(outcomes.slice(at, (at += w.diffs.length)));
      } catch (err) {
        for (const w of group) w.reject(err);
      }
    }
    pumping = false;
  };
  const sendDiffs = (diffs: PresenceDiff[]) => new Promise<RecordOutcome[]>((resolve, reject) => {
    waiting.push({ diffs, resolve, reject });
    if (!pumping) void pump();
  });
  return {
    diffs: {
      publish: async (diffs: PresenceDiff[]) => {
        if (diffs.length === 0) return;
        const outcomes = await sendDiffs(diffs);
        skipTooLarge(outcomes, (i, error) => log?.error({ code: error.code, tenant: diffs[i]!.tenant, details: error.details }, 'presence diff too large for Kafka: skipped'));
      },
    },
    commands: {
      send: async (commands: PresenceCommand[]) => {
        if (commands.length > 0) await serial(() => producer.send(topics.presenceCommands, 'PresenceCommand', commands.map((c) => ({ key: key(c), value: c }))));
      },
    },
  };
}
