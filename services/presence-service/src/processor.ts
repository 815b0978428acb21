// Applies a consumed batch of one partition, round by round (core/rounds.ts): the round's commands
// go to the store concurrently (distinct channels), then their diffs to Kafka in one send, and only
// then is the batch's done prefix marked for commit. A failure throws before anything later is
// marked: the consumer restarts from the committed offset and the store makes replays harmless.
// Once a round's diffs are acknowledged, the channels they emptied lose their state in Redis
// (`forgetIfEmpty`); if that fails, the state's expiry takes over, so it is logged, not retried.
import { channelId } from '@realtime/presence';
import { ErrorCodes, errorCodeOf, isRetryable } from '@realtime/errors';
import type { Logger } from '@realtime/log';
import { planRounds } from './core/rounds.ts';
import type { MemberCounts } from './core/member-counts.ts';
import type { ApplyOutcome, BatchControl, Consumed, DiffSink, PresenceMetrics, PresenceStore } from './ports.ts';

export type { BatchControl, Consumed };

export function createProcessor(deps: { store: PresenceStore; diffs: DiffSink; metrics: PresenceMetrics; counts: MemberCounts; log: Logger }) {
  /** Resolves true when the whole batch was processed, false when it stopped early. */
  return async function processBatch(items: Consumed[], control: BatchControl): Promise<boolean> {
    const keys = items.map(({ command: c }) => channelId({ tenant: c.tenant, private: c.private, topic: c.topic }));
    for (const round of planRounds(keys)) {
      if (!control.active()) return false;
      const outcomes = await Promise.all(round.indices.map((i) => applyOne(items[i]!)));
      outcomes.forEach((o, n) => {
        const i = round.indices[n]!;
        if ('members' in o && o.members !== undefined) deps.counts.set(keys[i]!, items[i]!.at.partition, o.members);
        if (o.kind !== 'ignored' || o.reason === 'failed') return;
        const { tenant, topic, op } = items[i]!.command;
        deps.log.warn({ code: ErrorCodes.UnableToHandlePresence, tenant, topic, op, reason: o.reason }, 'presence command ignored');
      });
      const diffs = outcomes.flatMap((o) => (o.diff ? [o.diff] : []));
      await deps.diffs.publish(diffs);
      await forgetEmptied(round.indices.filter((_, n) => emptied(outcomes[n]!)).map((i) => items[i]!));
      deps.metrics.commands.inc(round.indices.length);
      deps.metrics.members.set(deps.counts.total);
      if (diffs.length > 0) deps.metrics.diffs.inc(diffs.length);
      if (round.doneThrough >= 0) control.done(items[round.doneThrough]!.at.offset);
      await control.heartbeat();
    }
    return true;
  };

  /**
   * A retryable failure (Redis unreachable) fails the batch: it is consumed again and nothing
   * accepted is lost. Any other failure belongs to this one command (data Redis cannot take, a
   * stored value that does not parse): retrying it would stall the partition for every channel on
   * it for good, so it is logged with its code, counted and skipped.
   */
  async function applyOne({ command: c, at }: Consumed): Promise<ApplyOutcome> {
    try {
      return await deps.store.apply(c, at);
    } catch (err) {
      if (isRetryable(err)) throw err;
      deps.metrics.failed.inc();
      deps.log.error({ code: errorCodeOf(err) ?? ErrorCodes.UnknownError, tenant: c.tenant, topic: c.topic, op: c.op, partition: at.partition, offset: at.offset, err: String(err) }, 'presence command failed; skipped');
      return { kind: 'ignored', diff: null, reason: 'failed' };
    }
  }

  async function forgetEmptied(items: Consumed[]): Promise<void> {
    await Promise.all(items.map(({ command: c, at }) =>
      deps.store.forgetIfEmpty({ tenant: c.tenant, private: c.private, topic: c.topic }, at).catch((err: unknown) =>
        deps.log.warn({ code: errorCodeOf(err) ?? ErrorCodes.RedisUnavailable, tenant: c.tenant, topic: c.topic, err: String(err) }, 'empty presence channel not deleted; its state expires instead'))));
  }
}

/** The command left its channel without members (or re-published the diff of one that may have). */
const emptied = (o: ApplyOutcome) => (o.kind === 'applied' && o.members === 0) || o.kind === 'republished';
