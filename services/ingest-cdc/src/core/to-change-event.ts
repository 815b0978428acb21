// Change + its Transaction + tenant → the ChangeEvent record published on realtime.cdc.
// Pure mapping; value conversions (text output → to_jsonb JSON) are documented in to-jsonb.ts.
//
// Invariants:
// - (tenant, commit_lsn_num, seq) identifies the event: downstream dedup relies on it.
// - Columns appear in the table's column order; a column whose unchanged TOAST value was not sent
//   is absent from record_json and named in toast_unchanged.
// - Like the reference's apply_rls (poll_max_record_bytes): when record + old record JSON exceed
//   `maxRecordBytes`, both keep only the fields whose JSON value is at most 64 bytes, and
//   `truncated` is set.
import type { ChangeEvent } from '@realtime/schemas';
import { columnJson } from './to-jsonb.ts';
import type { Change, ChangeColumnInfo, TextRecord, Transaction } from './transaction.ts';

export const DEFAULT_MAX_RECORD_BYTES = 1_048_576;
/** Fields kept in an oversized record: the reference's `octet_length(value::text) <= 64`. */
export const TRUNCATED_FIELD_MAX_BYTES = 64;

export interface ToChangeEventOptions {
  maxRecordBytes?: number;
}

type Field = { name: string; json: string };

function fields(columns: ChangeColumnInfo[], record: TextRecord | null): Field[] | null {
  if (!record) return null;
  return columns.filter((c) => Object.hasOwn(record, c.name)).map((c) => ({ name: c.name, json: columnJson(record[c.name]!, c.typeOid, c.typeName) }));
}

function objectJson(list: Field[] | null): string | null {
  return list ? `{${list.map((f) => `${JSON.stringify(f.name)}:${f.json}`).join(',')}}` : null;
}

const bytes = (text: string | null) => (text === null ? 0 : Buffer.byteLength(text));
const small = (list: Field[] | null) => list && list.filter((f) => Buffer.byteLength(f.json) <= TRUNCATED_FIELD_MAX_BYTES);

export function toChangeEvent(change: Change, txn: Transaction, tenant: string, options: ToChangeEventOptions = {}): ChangeEvent {
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const record = fields(change.columns, change.record);
  const oldRecord = fields(change.columns, change.oldRecord);
  let recordJson = objectJson(record);
  let oldRecordJson = objectJson(oldRecord);
  const truncated = bytes(recordJson) + bytes(oldRecordJson) > maxRecordBytes;
  if (truncated) {
    recordJson = objectJson(small(record));
    oldRecordJson = objectJson(small(oldRecord));
  }
  return {
    tenant,
    schema: change.schema,
    table: change.table,
    type: change.type,
    commit_timestamp: Number(txn.commitTimestampUs),
    commit_lsn: txn.commitLsn,
    commit_lsn_num: Number(txn.commitLsnNum),
    xid: txn.xid,
    seq: change.seq,
    columns: change.columns.map((c) => ({ name: c.name, type: c.typeName, type_oid: c.typeOid })),
    record_json: recordJson,
    old_record_json: oldRecordJson,
    pk_columns: [...change.pkColumns],
    toast_unchanged: [...change.toastUnchanged],
    truncated,
    relation_id: change.relationId,
  };
}

/** Every change of a transaction, in order. */
export function transactionToChangeEvents(txn: Transaction, tenant: string, options: ToChangeEventOptions = {}): ChangeEvent[] {
  return txn.changes.map((change) => toChangeEvent(change, txn, tenant, options));
}
