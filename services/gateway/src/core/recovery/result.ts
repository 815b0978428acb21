// What a recovery answers (docs/PROTOCOL.md §11): one `system` message per recovering
// stream, after the recovered frames and before the live ones queued meanwhile. Any error result
// means nothing was recovered (all or nothing): the client re-fetches, live delivery goes on.

export type RecoveryStream = 'broadcast' | 'postgres_changes';
export type RecoveryResult = 'complete' | 'expired' | 'too_large' | 'unknown_position' | 'unavailable';

export const RecoveryResults = {
  complete: 'complete',
  expired: 'expired',
  tooLarge: 'too_large',
  unknownPosition: 'unknown_position',
  unavailable: 'unavailable',
} as const satisfies Record<string, RecoveryResult>;

/** A recovery that cannot give a complete answer; thrown by the readers, caught by recoveries.ts. */
export class RecoveryFailure extends Error {
  readonly result: Exclude<RecoveryResult, 'complete'>;
  constructor(result: Exclude<RecoveryResult, 'complete'>, message: string) {
    super(message);
    this.result = result;
  }
}

export interface RecoverySummary {
  result: RecoveryResult;
  recovered: number;
  position: string | null;
  message: string;
}

/** The `system` message's payload for a channel (its subtopic). */
export function recoveryMessage(subtopic: string, stream: RecoveryStream, s: RecoverySummary): Record<string, unknown> {
  return {
    extension: 'recovery',
    status: s.result === RecoveryResults.complete ? 'ok' : 'error',
    channel: subtopic,
    stream,
    result: s.result,
    recovered: s.recovered,
    position: s.position,
    message: s.message,
  };
}
