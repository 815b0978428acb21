// Where a recovery reads (docs/PROTOCOL.md §11): from just after the given position, or from
// the first record at or after `since` (less the clock skew, then filtered by the record's own
// time), up to the end E taken now. Refuses what cannot be answered completely: a point older than
// what Kafka still keeps (expired), or a position that is not a record of this stream (unknown).
import type { LogStream } from '../../ports.ts';
import { parsePosition, positionText, type RecoverRequest, type StreamPrefix } from '../base/log-position.ts';
import { RecoveryFailure, RecoveryResults } from './result.ts';
import type { ReadPlan } from './read-bounds.ts';

/**
 * How far the clock of the writer (Postgres's commit time, the gateway's send time) may run ahead
 * of the record timestamp Kafka seeks by: a time point starts this much earlier and filters exactly
 * (as libs/replay/src/replay.ts does).
 */
export const CLOCK_SKEW_MS = 60_000;

export async function planRead(stream: LogStream<unknown>, request: Exclude<RecoverRequest, { kind: 'fresh' }>, prefix: StreamPrefix, read: { signal: AbortSignal; timeoutMs: number }): Promise<ReadPlan> {
  if (request.kind === 'invalid') throw new RecoveryFailure(RecoveryResults.unknownPosition, 'The recover value is neither a position nor a time');
  const { low, high } = await stream.bounds();
  if (request.kind === 'since') {
    const start = await stream.offsetForTime(Math.max(0, request.ms - CLOCK_SKEW_MS));
    // Records before `low` were deleted: some may have been after `since`.
    if (start <= low && low > 0n) throw new RecoveryFailure(RecoveryResults.expired, 'Messages since that time are no longer retained');
    return { start, end: high, sinceMs: request.ms, given: null };
  }
  const at = parsePosition(request.text, prefix);
  if (!at || at.partition !== stream.partition) throw new RecoveryFailure(RecoveryResults.unknownPosition, 'The position is not one of this stream');
  if (at.offset >= high) throw new RecoveryFailure(RecoveryResults.unknownPosition, 'The position is beyond the end of the log');
  if (at.offset + 1n < low) throw new RecoveryFailure(RecoveryResults.expired, 'Messages after that position are no longer retained');
  if (at.offset >= low) {
    // The record there must be this tenant's / channel's: a position of another one says nothing of this stream.
    let own = false;
    await stream.read(at.offset, at.offset + 1n, (r) => void (own = r.own), read);
    if (!own) throw new RecoveryFailure(RecoveryResults.unknownPosition, 'The position is not a record of this channel');
  }
  return { start: at.offset + 1n, end: high, sinceMs: null, given: positionText(prefix, at) };
}
