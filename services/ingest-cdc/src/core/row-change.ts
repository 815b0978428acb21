// One Insert/Update/Delete/Truncate message + the cached Relation → Change(s), or an error.
import { builtinTypeName } from './pg-type-names.ts';
import type { DeleteMessage, InsertMessage, RelationMessage, TruncateMessage, TypeMessage, UpdateMessage } from './pgoutput-types.ts';
import type { AssemblerErrorCode, Change, ChangeColumnInfo, ChangeKind } from './transaction.ts';
import { keyOf, tupleToRecord } from './tuple-record.ts';

export interface Catalog {
  relations: ReadonlyMap<number, RelationMessage>;
  types: ReadonlyMap<number, TypeMessage>;
  primaryKeys: ReadonlyMap<number, readonly string[]>;
}

export type RowMessage = InsertMessage | UpdateMessage | DeleteMessage;
export type Built = { ok: true; change: Change } | { ok: false; code: AssemblerErrorCode; message: string; relationId: number };

function columnsOf(catalog: Catalog, relation: RelationMessage): ChangeColumnInfo[] {
  return relation.columns.map((c) => ({
    name: c.name,
    typeOid: c.typeOid,
    typeName: catalog.types.get(c.typeOid)?.name ?? builtinTypeName(c.typeOid) ?? String(c.typeOid),
    typeModifier: c.typeModifier,
    isKey: c.isKey,
  }));
}

/** The primary key: the replica identity unless it is FULL (every column) and nobody told us. */
function pkOf(catalog: Catalog, relation: RelationMessage): string[] {
  const known = catalog.primaryKeys.get(relation.relationId);
  if (known) return [...known];
  return relation.replicaIdentity === 'f' ? [] : relation.columns.filter((c) => c.isKey).map((c) => c.name);
}

/** `seq` is assigned by the assembler, which alone knows the position in the transaction. */
function shell(catalog: Catalog, relation: RelationMessage, type: ChangeKind): Change {
  return {
    seq: -1, type, schema: relation.namespace || 'pg_catalog', table: relation.name, relationId: relation.relationId,
    columns: columnsOf(catalog, relation), record: null, oldRecord: null, toastUnchanged: [], pkColumns: pkOf(catalog, relation),
  };
}

const problems = {
  BinaryValue: "binary ('b') column value; the slot must be read in text format",
  TupleMismatch: 'tuple column count differs from the Relation message',
};
const fail = (code: AssemblerErrorCode, relationId: number, message: string): Built => ({ ok: false, code, message, relationId });
const unknown = (relationId: number): Built => fail('UnknownRelation', relationId, `no Relation message for oid ${relationId}`);

export function rowChange(catalog: Catalog, msg: RowMessage): Built {
  const relation = catalog.relations.get(msg.relationId);
  if (!relation) return unknown(msg.relationId);
  const type = msg.tag === 'insert' ? 'INSERT' : msg.tag === 'update' ? 'UPDATE' : 'DELETE';
  const change = shell(catalog, relation, type);
  const old = msg.tag === 'insert' || !msg.oldTuple ? null : tupleToRecord(relation, msg.oldTuple, msg.oldKind === 'K');
  const now = msg.tag === 'delete' ? null : tupleToRecord(relation, msg.newTuple);
  const problem = old?.problem ?? now?.problem ?? null;
  if (problem) return fail(problem, relation.relationId, `${type} on ${change.schema}.${change.table}: ${problems[problem]}`);
  change.oldRecord = old ? old.record : null;
  if (now) {
    change.record = now.record;
    if (type === 'UPDATE' && !old) change.oldRecord = keyOf(relation, now.record);
    for (const name of now.unchanged) {
      // Under FULL (or for a key column) the old row holds the value the update kept.
      if (old && Object.hasOwn(old.record, name)) change.record[name] = old.record[name]!;
      else change.toastUnchanged.push(name);
    }
  }
  return { ok: true, change };
}

export function truncateChanges(catalog: Catalog, msg: TruncateMessage): Built[] {
  return msg.relationIds.map((relationId) => {
    const relation = catalog.relations.get(relationId);
    return relation ? { ok: true, change: shell(catalog, relation, 'TRUNCATE') } : unknown(relationId);
  });
}
