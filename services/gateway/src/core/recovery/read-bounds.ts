// What one recovery may read and hold (docs/PROTOCOL.md "Recovery" bounds): the tenant's caps on
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

/** What a reader recovered: frames in order, and the offset of the last record of this stream it read. */
export interface Recovered {
  frames: Array<string | Uint8Array>;
  bytes: number;
  last: bigint | null;
}
