// Checks a tenant's realtime.cdc hash chain against its signed checkpoints (docs/ARCHITECTURE.md
// "Audit trail"). Pure: the Kafka reader (verify.ts) feeds it the tenant's raw records in offset
// order and the checkpoints it read first, so every kind of tampering is tested on plain bytes.
//
// Each record's prev_hash must be the SHA-256 of the value bytes of the tenant's record before it.
// When it is not, the record is classified by its position (commit LSN, seq) against the records
// before it: a position already seen is a duplicate, an earlier one a reordered record, otherwise
// the chain breaks there (the record before it was altered, or records between them are missing).
// Checkpoints anchor the chain: each one in range must verify with the public key, and the record
// at its position must exist and hash to its head. An attacker who rewrites the topic can rebuild
// the chain, but cannot sign a checkpoint.
import type { KeyObject } from 'node:crypto';
import { checkpointSignatureProblem, comparePositions, recordHash } from '@realtime/audit';
import type { CdcCheckpoint, ChangeEvent } from '@realtime/schemas';
import { inRange, type ReplayRange } from './replay-range.ts';

export interface RawChange {
  offset: string;
  bytes: Uint8Array;
  /** null: the record does not decode (it still takes its place in the chain). */
  event: ChangeEvent | null;
}

export type ProblemKind = 'chain_break' | 'missing' | 'reordered' | 'duplicate' | 'unchained' | 'undecodable' | 'bad_signature' | 'checkpoint_mismatch';

export interface ChainProblem {
  kind: ProblemKind;
  message: string;
  /** Offset of the record on realtime.cdc, when the problem is at a record. */
  offset?: string;
  commit_lsn?: string;
  seq?: number;
  /** chain_break: the record before it, so [previous, this record] is the range where records may be missing. */
  previous?: Position;
}

export interface VerifyReport {
  ok: boolean;
  records: number;
  checkpoints: { inRange: number; matched: number };
  first: Position | null;
  last: Position | null;
  /** The newest checkpoint matched: records after it are chained but not signed yet. */
  lastCheckpoint: Position | null;
  /** The first MAX_PROBLEMS problems, in the order found; problemCount counts them all. */
  problems: ChainProblem[];
  problemCount: number;
}

export interface Position {
  commit_lsn: string;
  seq: number;
  offset?: string;
}

const MAX_PROBLEMS = 100;
type Pos = { commitLsnNum: number; seq: number };
const key = (p: Pos) => `${p.commitLsnNum}:${p.seq}`;
const posOf = (e: ChangeEvent): Pos => ({ commitLsnNum: e.commit_lsn_num, seq: e.seq });
const cpPos = (c: CdcCheckpoint): Pos => ({ commitLsnNum: c.commit_lsn_num, seq: c.seq });

/** Feed every record of the tenant in offset order with add(), then finish(). Memory: one entry per record in range. */
export class ChainVerifier {
  readonly #range: ReplayRange;
  readonly #problems: ChainProblem[] = [];
  #problemCount = 0;
  readonly #pending = new Map<string, CdcCheckpoint[]>();
  readonly #seen = new Set<string>();
  #prev: { hash: Buffer; pos: Pos | null; at: Position | null } | null = null;
  #max: Pos | null = null;
  #firstPos: Pos | null = null;
  #records = 0;
  #matched = 0;
  #first: Position | null = null;
  #last: Position | null = null;
  #lastCheckpoint: Position | null = null;
  #checkpointsInRange = 0;

  constructor(range: ReplayRange, checkpoints: readonly CdcCheckpoint[], publicKey: KeyObject) {
    this.#range = { ...range, table: null }; // the chain runs through every table
    for (const c of checkpoints) {
      if (!this.#coversRange(c)) continue;
      this.#checkpointsInRange++;
      const why = checkpointSignatureProblem(c, publicKey);
      if (why) {
        this.#problem({ kind: 'bad_signature', commit_lsn: c.commit_lsn, seq: c.seq, message: `checkpoint of ${c.commit_lsn} seq ${c.seq} signed at ${new Date(c.signed_at).toISOString()} by ${c.node}: ${why}` });
        continue;
      }
      const list = this.#pending.get(key(cpPos(c))) ?? [];
      this.#pending.set(key(cpPos(c)), [...list, c]);
    }
  }

  add(r: RawChange): void {
    if (r.event && !inRange(r.event, this.#range)) return;
    const hash = recordHash(r.bytes);
    this.#records++;
    if (!r.event) {
      this.#problem({ kind: 'undecodable', offset: r.offset, message: `record at offset ${r.offset} does not decode as a ChangeEvent` });
      this.#prev = { hash, pos: null, at: null };
      return;
    }
    const e = r.event;
    const pos = posOf(e);
    const here = { commit_lsn: e.commit_lsn, seq: e.seq, offset: r.offset };
    this.#first ??= here;
    this.#firstPos ??= pos;
    this.#last = here;
    if (this.#prev) this.#checkLink(r, e, pos);
    this.#seen.add(key(pos));
    if (!this.#max || comparePositions(pos, this.#max) > 0) this.#max = pos;
    this.#prev = { hash, pos, at: here };
    this.#matchCheckpoints(pos, hash, here);
  }

  /** A record of the checkpoint topic that does not decode: nothing it might vouch for can be trusted. */
  checkpointUndecodable(offset: string): void {
    this.#problem({ kind: 'bad_signature', offset, message: `checkpoint record at offset ${offset} of the checkpoint topic does not decode` });
  }

  finish(): VerifyReport {
    for (const list of this.#pending.values()) {
      for (const c of list.filter((c) => this.#withinTimeBounds(c))) {
        this.#problem({ kind: 'missing', commit_lsn: c.commit_lsn, seq: c.seq, message: `a checkpoint covers ${c.commit_lsn} seq ${c.seq}, but no record at that position was found: records are missing` });
      }
    }
    this.#pending.clear();
    return {
      ok: this.#problemCount === 0, records: this.#records,
      checkpoints: { inRange: this.#checkpointsInRange, matched: this.#matched },
      first: this.#first, last: this.#last, lastCheckpoint: this.#lastCheckpoint,
      problems: [...this.#problems], problemCount: this.#problemCount,
    };
  }

  #checkLink(r: RawChange, e: ChangeEvent, pos: Pos): void {
    const prev = this.#prev!;
    if (e.prev_hash && Buffer.compare(e.prev_hash, prev.hash) === 0) return;
    const at = { offset: r.offset, commit_lsn: e.commit_lsn, seq: e.seq };
    const where = `record at offset ${r.offset} (${e.commit_lsn} seq ${e.seq})`;
    if (this.#seen.has(key(pos))) {
      this.#problem({ kind: 'duplicate', ...at, message: `${where} duplicates a record already seen at that position` });
    } else if (this.#max && comparePositions(pos, this.#max) < 0) {
      this.#problem({ kind: 'reordered', ...at, message: `${where} comes after a record with a later position: reordered` });
    } else if (!e.prev_hash) {
      this.#problem({ kind: 'unchained', ...at, message: `${where} carries no prev_hash (written without the chain, or the chain was restarted)` });
    } else {
      const after = prev.pos ? 'the record before it' : 'the undecodable record before it';
      const previous = prev.at ?? undefined;
      this.#problem({ kind: 'chain_break', ...at, ...(previous ? { previous } : {}), message: `chain breaks at ${where}: its prev_hash is not the hash of ${after}${previous ? ` (offset ${previous.offset}, ${previous.commit_lsn} seq ${previous.seq})` : ''}; that record was altered, or records between them are missing` });
    }
  }

  #matchCheckpoints(pos: Pos, hash: Buffer, here: Position): void {
    const list = this.#pending.get(key(pos));
    if (!list) return;
    this.#pending.delete(key(pos));
    for (const c of list) {
      if (Buffer.compare(c.head_hash, hash) === 0) {
        this.#matched++;
        this.#lastCheckpoint = here;
      } else {
        this.#problem({ kind: 'checkpoint_mismatch', offset: here.offset, commit_lsn: here.commit_lsn, seq: here.seq, message: `record at offset ${here.offset} (${here.commit_lsn} seq ${here.seq}) does not hash to the signed checkpoint of that position: it was altered` });
      }
    }
  }

  /** Whether a checkpoint lies within the range's LSN bounds (time bounds: every checkpoint; unmatched ones are judged in finish). */
  #coversRange(c: CdcCheckpoint): boolean {
    const { from, to } = this.#range;
    const lsn = BigInt(c.commit_lsn_num);
    if (from.kind === 'lsn' && lsn < from.lsn) return false;
    if (to?.kind === 'lsn' && lsn > to.lsn) return false;
    return true;
  }

  /**
   * A time range selects records by commit time, which a checkpoint does not carry: an unmatched
   * checkpoint counts only between the first record found and the last (or the end, when `to` is open).
   */
  #withinTimeBounds(c: CdcCheckpoint): boolean {
    const p = cpPos(c);
    if (this.#range.from.kind === 'time' && (!this.#firstPos || comparePositions(p, this.#firstPos) < 0)) return false;
    if (this.#range.to?.kind === 'time' && (!this.#max || comparePositions(p, this.#max) > 0)) return false;
    return true;
  }

  #problem(p: ChainProblem): void {
    this.#problemCount++;
    if (this.#problems.length < MAX_PROBLEMS) this.#problems.push(p);
  }
}
