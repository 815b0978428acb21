// What the assembler emits: one committed transaction with its row changes in WAL order.
import type { DecodeError } from './pgoutput-types.ts';

export type ChangeKind = 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE';

export interface ChangeColumnInfo {
  name: string;
  typeOid: number;
  /** int2/int4/… for built-ins, the Type message's name for user types, the oid as text otherwise. */
  typeName: string;
  typeModifier: number;
  /** Part of the replica identity (every column under REPLICA IDENTITY FULL). */
  isKey: boolean;
}

/** Column name → Postgres text output (null for SQL NULL). A missing key means "not sent". */
export type TextRecord = Record<string, string | null>;

export interface Change {
  /** Position within the transaction, from 0; with the commit LSN it identifies the change. */
  seq: number;
  type: ChangeKind;
  schema: string;
  table: string;
  relationId: number;
  columns: ChangeColumnInfo[];
  /** The new row (INSERT/UPDATE); null for DELETE/TRUNCATE. */
  record: TextRecord | null;
  /** UPDATE/DELETE: the old row under REPLICA IDENTITY FULL, else its key columns. Null otherwise. */
  oldRecord: TextRecord | null;
  /** Columns whose unchanged TOASTed value was neither sent nor recoverable from the old row. */
  toastUnchanged: string[];
  pkColumns: string[];
}

export interface Transaction {
  xid: number;
  commitLsn: string;
  commitLsnNum: bigint;
  /** The LSN just past the commit record: the position to confirm once the transaction is durable. */
  endLsn: string;
  endLsnNum: bigint;
  /** Microseconds since the Unix epoch. */
  commitTimestampUs: bigint;
  changes: Change[];
  /**
   * A piece of a large transaction, more of it to come (assembler.ts): publish it, never confirm
   * it; endLsn is then the commit LSN, not a position to confirm.
   */
  partial?: true;
}

export type AssemblerErrorCode =
  | 'Decode' // the bytes were not a pgoutput message
  | 'UnknownRelation' // a change for a relation oid without a prior Relation message
  | 'NoTransaction' // a change or Commit outside Begin … Commit
  | 'UnterminatedTransaction' // Begin while a transaction was open: the open one is dropped
  | 'TupleMismatch' // tuple column count differs from the relation's
  | 'BinaryValue'; // a 'b' column: the slot must be read in text format

export interface AssemblerError {
  code: AssemblerErrorCode;
  message: string;
  xid: number | null;
  relationId: number | null;
  decode?: DecodeError;
}
