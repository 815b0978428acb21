// What one recovery may read and hold (docs/PROTOCOL.md §11 bounds): the tenant's caps on
// recovered frames and their bytes, the gateway's bound on bytes scanned (other tenants' records
// on the partition included), and its deadline.
export interface ReadBounds {
  /** max_recovery_events: frames a recovery may send. */
  events: number;
  /** max_recovery_bytes: payload bytes of the matched records. */
  bytes: number;
  maxScanBytes: number;
  signal: AbortSignal;
  timeoutMs: number;
}

/** Where a recovery reads (plan.ts). */
export interface ReadPlan {
  start: bigint;
  /** E: the partition's end when the recovery began; live frames at or past it come through the seam. */
  end: bigint;
  /** Records before this time (ms) are left out: a time point was given. */
  sinceMs: number | null;
  /** The position the client gave, answered back when nothing newer was read. */
  given: string | null;
}

/** What a reader recovered: frames in order, and the offset of the last record of this stream it read. */
export interface Recovered {
  frames: Array<string | Uint8Array>;
  bytes: number;
  last: bigint | null;
}
