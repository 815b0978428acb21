// The decoded form of pgoutput protocol-v1 messages (see pgoutput.ts for the wire layout).
// Timestamps are kept as Postgres sends them: microseconds since 2000-01-01 00:00 UTC.
import type { Lsn } from './lsn.ts';

export type TupleValue =
  | { kind: 'null' }
  | { kind: 'unchanged' } // an unchanged TOASTed value that Postgres did not send
  | { kind: 'text'; value: string }
  | { kind: 'binary'; value: Buffer };

export type Tuple = TupleValue[];

export type ReplicaIdentity = 'd' | 'n' | 'f' | 'i'; // default (PK), nothing, full, index

export interface RelationColumn {
  /** Part of the replica identity (with REPLICA IDENTITY FULL: every column). */
  isKey: boolean;
  name: string;
  typeOid: number;
  typeModifier: number;
}

export interface BeginMessage { tag: 'begin'; finalLsn: Lsn; timestamp: bigint; xid: number }
export interface CommitMessage { tag: 'commit'; flags: number; commitLsn: Lsn; endLsn: Lsn; timestamp: bigint }
export interface OriginMessage { tag: 'origin'; commitLsn: Lsn; name: string }
export interface RelationMessage {
  tag: 'relation';
  relationId: number;
  /** '' stands for pg_catalog, as pgoutput sends it. */
  namespace: string;
  name: string;
  replicaIdentity: ReplicaIdentity;
  columns: RelationColumn[];
}
export interface TypeMessage { tag: 'type'; typeOid: number; namespace: string; name: string }
export interface InsertMessage { tag: 'insert'; relationId: number; newTuple: Tuple }
export interface UpdateMessage {
  tag: 'update';
  relationId: number;
  /** 'K': old replica-identity key (key changed); 'O': the whole old row (FULL); null: neither. */
  oldKind: 'K' | 'O' | null;
  oldTuple: Tuple | null;
  newTuple: Tuple;
}
export interface DeleteMessage { tag: 'delete'; relationId: number; oldKind: 'K' | 'O'; oldTuple: Tuple }
export interface TruncateMessage { tag: 'truncate'; options: number; cascade: boolean; restartIdentity: boolean; relationIds: number[] }
export interface LogicalMessage { tag: 'message'; transactional: boolean; lsn: Lsn; prefix: string; content: Buffer }

export type PgoutputMessage =
  | BeginMessage | CommitMessage | OriginMessage | RelationMessage | TypeMessage
  | InsertMessage | UpdateMessage | DeleteMessage | TruncateMessage | LogicalMessage;

export type DecodeErrorCode = 'Empty' | 'UnknownMessageType' | 'Truncated' | 'InvalidValue' | 'TrailingBytes';

export interface DecodeError {
  code: DecodeErrorCode;
  message: string;
  /** The message-type byte as a character, when there was one. */
  tag: string | null;
  /** Byte offset where decoding stopped. */
  offset: number;
}

export type DecodeResult = { ok: true; message: PgoutputMessage } | { ok: false; error: DecodeError };
