// The tenant hash chain of realtime.cdc (docs/ARCHITECTURE.md "Audit trail"). A ChangeEvent's
// prev_hash is the SHA-256 of the Kafka value bytes of the tenant's previous ChangeEvent, so each
// record commits to everything before it. The hash is taken over the bytes as written (single-
// object encoding, prev_hash included), not over a re-encoding: a verifier needs no schema to
// recompute it, and a later schema version cannot change the hash of an old record.
import { hash } from 'node:crypto';

/** The newest record of a tenant's chain: where the next record links to. */
export interface ChainHead {
  /** SHA-256 of that record's Kafka value bytes. */
  hash: Buffer;
  commitLsn: string;
  commitLsnNum: number;
  seq: number;
}

export function recordHash(valueBytes: Uint8Array): Buffer {
  // the one-shot form: no Hash object per record (ingest-cdc hashes every change, bench P4)
  return hash('sha256', valueBytes, 'buffer');
}

/** The tenant's order: commit LSN, then position within the transaction. Negative when a is first. */
export function comparePositions(a: { commitLsnNum: number; seq: number }, b: { commitLsnNum: number; seq: number }): number {
  return a.commitLsnNum - b.commitLsnNum || a.seq - b.seq;
}
