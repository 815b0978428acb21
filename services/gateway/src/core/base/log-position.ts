// Where a record sits in Kafka: the partition and offset that recovery positions name
// (docs/PROTOCOL.md §11). Live readers pass one with each record; frames of channels joined
// with `recover` carry it as `c<partition>-<offset>` (changes) or `b<partition>-<offset>` (broadcasts).
export interface LogPosition {
  partition: number;
  offset: bigint;
}

/**
 * A `recover` value of a join: `fresh` = positions on, nothing to read; `invalid` is reported as
 * unknown_position when the recovery runs, never as a failed join.
 */
export type RecoverRequest =
  | { kind: 'fresh' }
  | { kind: 'position'; text: string }
  | { kind: 'since'; ms: number }
  | { kind: 'invalid' };

export type StreamPrefix = 'c' | 'b';

export const positionText = (prefix: StreamPrefix, at: LogPosition): string => `${prefix}${at.partition}-${at.offset}`;

const POSITION = /^([cb])(\d{1,9})-(\d{1,19})$/;

/** The position a client sent back, or null when it is not one of `prefix`'s stream. */
export function parsePosition(text: string, prefix: StreamPrefix): LogPosition | null {
  const m = POSITION.exec(text);
  if (!m || m[1] !== prefix) return null;
  return { partition: Number(m[2]), offset: BigInt(m[3]!) };
}
