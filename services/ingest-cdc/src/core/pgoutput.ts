// Decoder of one pgoutput (protocol version 1) message, as carried in an XLogData payload or
// returned by pg_logical_slot_{peek,get}_binary_changes. Spec: "Logical Replication Message
// Formats", https://www.postgresql.org/docs/current/protocol-logicalrep-message-formats.html
//
// Wire layout (big-endian; String = UTF-8 bytes + NUL; LSN = Int64; timestamps = Int64 µs since
// 2000-01-01; oids and xids are unsigned 32-bit):
//   'B' Begin     LSN final, Int64 commit ts, Int32 xid
//   'C' Commit    Int8 flags (0), LSN commit, LSN end, Int64 commit ts
//   'O' Origin    LSN origin commit, String name
//   'R' Relation  Int32 oid, String namespace ('' = pg_catalog), String name, Int8 replica identity
//                 ('d'|'n'|'f'|'i'), Int16 ncols, ncols × (Int8 flags (1 = key), String name,
//                 Int32 type oid, Int32 typmod)
//   'Y' Type      Int32 oid, String namespace, String name
//   'I' Insert    Int32 relation oid, 'N', TupleData
//   'U' Update    Int32 relation oid, ['K' TupleData | 'O' TupleData], 'N', TupleData
//   'D' Delete    Int32 relation oid, 'K' | 'O', TupleData
//   'T' Truncate  Int32 nrels, Int8 options (1 = CASCADE, 2 = RESTART IDENTITY), nrels × Int32 oid
//   'M' Message   Int8 flags (1 = transactional), LSN, String prefix, Int32 n, n bytes
//                 (only with the `messages` option; v1 has no xid field, that is streaming-only)
// TupleData: Int16 ncols, then per column 'n' (NULL) | 'u' (unchanged TOAST, no value)
//            | 't' Int32 n, n bytes of text output | 'b' Int32 n, n bytes of binary send output.
// With REPLICA IDENTITY DEFAULT/INDEX the 'K' tuple still has every column; non-key ones are 'n'.
//
// Invariant: decodePgoutput never throws; malformed bytes come back as a DecodeError value.
import { lsn } from './lsn.ts';
import { ReadError, Reader } from './pgoutput-reader.ts';
import type { DecodeResult, PgoutputMessage, RelationColumn, ReplicaIdentity, Tuple, TupleValue } from './pgoutput-types.ts';

export type * from './pgoutput-types.ts';

function tuple(r: Reader): Tuple {
  const n = r.i16('tuple column count');
  const values: TupleValue[] = [];
  for (let i = 0; i < n; i++) {
    const kind = r.char('tuple column kind');
    if (kind === 'n') values.push({ kind: 'null' });
    else if (kind === 'u') values.push({ kind: 'unchanged' });
    else if (kind === 't') values.push({ kind: 'text', value: r.bytes(r.i32('text length'), 'text value').toString('utf8') });
    else if (kind === 'b') values.push({ kind: 'binary', value: Buffer.from(r.bytes(r.i32('binary length'), 'binary value')) });
    else throw new ReadError(`unknown tuple column kind '${kind}'`, r.pos - 1, 'InvalidValue');
  }
  return values;
}

function expectChar(r: Reader, allowed: string, what: string): string {
  const c = r.char(what);
  if (!allowed.includes(c)) throw new ReadError(`${what}: '${c}', expected one of '${allowed}'`, r.pos - 1, 'InvalidValue');
  return c;
}

function relationColumns(r: Reader): RelationColumn[] {
  const n = r.i16('relation column count');
  const columns: RelationColumn[] = [];
  for (let i = 0; i < n; i++) {
    const flags = r.u8('column flags');
    columns.push({ isKey: (flags & 1) === 1, name: r.cstring('column name'), typeOid: r.u32('column type oid'), typeModifier: r.i32('column typmod') });
  }
  return columns;
}

const decoders: Record<string, (r: Reader) => PgoutputMessage> = {
  B: (r) => ({ tag: 'begin', finalLsn: lsn(r.u64('final lsn')), timestamp: r.i64('commit timestamp'), xid: r.u32('xid') }),
  C: (r) => ({ tag: 'commit', flags: r.u8('flags'), commitLsn: lsn(r.u64('commit lsn')), endLsn: lsn(r.u64('end lsn')), timestamp: r.i64('commit timestamp') }),
  O: (r) => ({ tag: 'origin', commitLsn: lsn(r.u64('origin lsn')), name: r.cstring('origin name') }),
  R: (r) => ({
    tag: 'relation',
    relationId: r.u32('relation oid'),
    namespace: r.cstring('namespace'),
    name: r.cstring('relation name'),
    replicaIdentity: expectChar(r, 'dnfi', 'replica identity') as ReplicaIdentity,
    columns: relationColumns(r),
  }),
  Y: (r) => ({ tag: 'type', typeOid: r.u32('type oid'), namespace: r.cstring('namespace'), name: r.cstring('type name') }),
  I: (r) => {
    const relationId = r.u32('relation oid');
    expectChar(r, 'N', 'insert tuple marker');
    return { tag: 'insert', relationId, newTuple: tuple(r) };
  },
  U: (r) => {
    const relationId = r.u32('relation oid');
    const marker = expectChar(r, 'KON', 'update tuple marker');
    const oldKind = marker === 'N' ? null : (marker as 'K' | 'O');
    const oldTuple = oldKind ? tuple(r) : null;
    if (oldKind) expectChar(r, 'N', 'update new tuple marker');
    return { tag: 'update', relationId, oldKind, oldTuple, newTuple: tuple(r) };
  },
  D: (r) => {
    const relationId = r.u32('relation oid');
    const oldKind = expectChar(r, 'KO', 'delete tuple marker') as 'K' | 'O';
    return { tag: 'delete', relationId, oldKind, oldTuple: tuple(r) };
  },
  T: (r) => {
    const n = r.i32('relation count');
    const options = r.u8('truncate options');
    if (n < 0) throw new ReadError(`negative relation count ${n}`, r.pos - 5, 'InvalidValue');
    const relationIds: number[] = [];
    for (let i = 0; i < n; i++) relationIds.push(r.u32('relation oid'));
    return { tag: 'truncate', options, cascade: (options & 1) !== 0, restartIdentity: (options & 2) !== 0, relationIds };
  },
  M: (r) => {
    const flags = r.u8('message flags');
    const at = lsn(r.u64('message lsn'));
    const prefix = r.cstring('message prefix');
    const content = Buffer.from(r.bytes(r.i32('message length'), 'message content'));
    return { tag: 'message', transactional: (flags & 1) === 1, lsn: at, prefix, content };
  },
};

export function decodePgoutput(bytes: Buffer): DecodeResult {
  if (bytes.length === 0) return { ok: false, error: { code: 'Empty', message: 'empty message', tag: null, offset: 0 } };
  const tag = String.fromCharCode(bytes[0]!);
  const decode = Object.hasOwn(decoders, tag) ? decoders[tag] : undefined;
  if (!decode) return { ok: false, error: { code: 'UnknownMessageType', message: `unknown message type '${tag}' (0x${bytes[0]!.toString(16)})`, tag, offset: 0 } };
  const r = new Reader(bytes);
  r.pos = 1;
  try {
    const message = decode(r);
    if (r.pos !== bytes.length) return { ok: false, error: { code: 'TrailingBytes', message: `${bytes.length - r.pos} bytes after the '${tag}' message`, tag, offset: r.pos } };
    return { ok: true, message };
  } catch (err) {
    if (err instanceof ReadError) return { ok: false, error: { code: err.code, message: err.message, tag, offset: err.offset } };
    return { ok: false, error: { code: 'InvalidValue', message: String(err), tag, offset: r.pos } };
  }
}
