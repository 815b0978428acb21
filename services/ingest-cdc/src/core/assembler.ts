// The CDC transaction assembler: step(state, pgoutput message) → { state, emitted, errors }.
//
// Purpose: turn the pgoutput stream of one slot into whole committed transactions, each change
// numbered by its position (seq), ready to become ChangeEvents.
// Invariants:
// - Pure: no clock, I/O or logging; the same messages always give the same transactions. States
//   are never mutated (a new one is returned), so a caller may keep an old state to retry from.
// - A transaction is emitted only at its Commit, with every change in WAL order; an empty one
//   (no published rows) is emitted too, so the caller can confirm its LSN.
// - Relation and Type messages are cached across transactions: pgoutput sends them once per
//   decoding session, before the first change that needs them (and again after a DDL change).
// - A change that cannot be understood becomes an error in `errors` and is left out; errors mean
//   the stream was not fully understood, so the caller must not confirm past them.
// - Memory is bounded whatever a tenant commits: a transaction's changes are handed out in pieces
//   of at most `maxHeld` (`partial: true`, commit LSN and time from Begin, which pgoutput sends
//   only once the transaction committed), and the rest at Commit. Only that last one carries the
//   position to confirm; seq runs on across the pieces.
import { decodePgoutput } from './pgoutput.ts';
import type { BeginMessage, PgoutputMessage } from './pgoutput-types.ts';
import { rowChange, truncateChanges, type Built, type Catalog } from './row-change.ts';
import type { AssemblerError, Change, Transaction } from './transaction.ts';

export type * from './transaction.ts';

/** µs between 1970-01-01 and 2000-01-01, the epoch of Postgres timestamps. */
export const PG_EPOCH_UNIX_US = 946_684_800_000_000n;

interface ChangeNode { change: Change; prev: ChangeNode | null } // newest first: O(1) appends
/** `count` numbers the changes (seq); `held` of them, the newest, are still in `last`. */
interface OpenTransaction { begin: BeginMessage; last: ChangeNode | null; count: number; held: number }

/** Changes of one transaction held before they are handed out as a piece (see the header). */
export const DEFAULT_MAX_HELD_CHANGES = 1000;

export interface AssemblerState extends Catalog {
  open: OpenTransaction | null;
}

export interface StepResult {
  state: AssemblerState;
  emitted: Transaction[];
  errors: AssemblerError[];
}

export function initialState(): AssemblerState {
  return { relations: new Map(), types: new Map(), primaryKeys: new Map(), open: null };
}

/** The primary key of a REPLICA IDENTITY FULL table (pgoutput marks every column as key there). */
export function withPrimaryKey(state: AssemblerState, relationId: number, columns: readonly string[]): AssemblerState {
  return { ...state, primaryKeys: new Map(state.primaryKeys).set(relationId, [...columns]) };
}

const ok = (state: AssemblerState, emitted: Transaction[] = [], errors: AssemblerError[] = []): StepResult => ({ state, emitted, errors });
const xidOf = (state: AssemblerState) => state.open?.begin.xid ?? null;

function collect(open: OpenTransaction): Change[] {
  const changes: Change[] = new Array(open.held);
  for (let node = open.last, i = open.held - 1; node; node = node.prev, i--) changes[i] = node.change;
  return changes;
}

function addChanges(state: AssemblerState, built: Built[], maxHeld: number): StepResult {
  const open = state.open;
  if (!open) return ok(state, [], [{ code: 'NoTransaction', message: 'row change outside a transaction', xid: null, relationId: null }]);
  let { last, count, held } = open;
  const errors: AssemblerError[] = [];
  for (const b of built) {
    if (!b.ok) errors.push({ code: b.code, message: b.message, xid: open.begin.xid, relationId: b.relationId });
    else {
      last = { change: { ...b.change, seq: count++ }, prev: last };
      held++;
    }
  }
  const next = { ...open, last, count, held };
  if (held < maxHeld) return ok({ ...state, open: next }, [], errors);
  const { finalLsn, timestamp, xid } = open.begin;
  const piece: Transaction = {
    xid, commitLsn: finalLsn.text, commitLsnNum: finalLsn.num, endLsn: finalLsn.text, endLsnNum: finalLsn.num,
    commitTimestampUs: timestamp + PG_EPOCH_UNIX_US, changes: collect(next), partial: true,
  };
  return ok({ ...state, open: { ...next, last: null, held: 0 } }, [piece], errors);
}

export function step(state: AssemblerState, message: PgoutputMessage, maxHeld = DEFAULT_MAX_HELD_CHANGES): StepResult {
  switch (message.tag) {
    case 'begin': {
      const next = { ...state, open: { begin: message, last: null, count: 0, held: 0 } };
      if (!state.open) return ok(next);
      const xid = state.open.begin.xid;
      return ok(next, [], [{ code: 'UnterminatedTransaction', message: `Begin of xid ${message.xid} while xid ${xid} was open: dropped it`, xid, relationId: null }]);
    }
    case 'commit': {
      const open = state.open;
      if (!open) return ok(state, [], [{ code: 'NoTransaction', message: `Commit at ${message.commitLsn.text} without Begin`, xid: null, relationId: null }]);
      const txn: Transaction = {
        xid: open.begin.xid,
        commitLsn: message.commitLsn.text,
        commitLsnNum: message.commitLsn.num,
        endLsn: message.endLsn.text,
        endLsnNum: message.endLsn.num,
        commitTimestampUs: message.timestamp + PG_EPOCH_UNIX_US,
        changes: collect(open),
      };
      return ok({ ...state, open: null }, [txn]);
    }
    case 'relation':
      return ok({ ...state, relations: new Map(state.relations).set(message.relationId, message) });
    case 'type':
      return ok({ ...state, types: new Map(state.types).set(message.typeOid, message) });
    case 'insert':
    case 'update':
    case 'delete':
      return addChanges(state, [rowChange(state, message)], maxHeld);
    case 'truncate':
      return addChanges(state, truncateChanges(state, message), maxHeld);
    case 'origin':
    case 'message':
      return ok(state); // replication origin and logical messages carry no row changes
  }
}

/** Decodes then steps; undecodable bytes become a 'Decode' error and leave the state as it was. */
export function stepBytes(state: AssemblerState, bytes: Buffer, maxHeld = DEFAULT_MAX_HELD_CHANGES): StepResult {
  const decoded = decodePgoutput(bytes);
  if (decoded.ok) return step(state, decoded.message, maxHeld);
  return ok(state, [], [{ code: 'Decode', message: decoded.error.message, xid: xidOf(state), relationId: null, decode: decoded.error }]);
}
