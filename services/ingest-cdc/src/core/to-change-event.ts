// Change + its Transaction + tenant → the ChangeEvent record published on realtime.cdc.
// Pure mapping; value conversions (text output → to_jsonb JSON) are documented in to-jsonb.ts.
//
// Invariants:
// - (tenant, commit_lsn_num, seq) identifies the event: downstream dedup relies on it.
// - Columns appear in the table's column order; a column whose unchanged TOAST value was not sent
//   is absent from record_json and named in toast_unchanged.
// - Like the reference's apply_rls (poll_max_record_bytes): when record + old record JSON exceed
//   `maxRecordBytes`, both keep only the fields whose JSON value is at most 64 bytes, and
//   `truncated` is set (the gateway turns it into `["Error 413: Payload Too Large"]`, docs/PROTOCOL.md
//   §6). Primary-key fields are kept whatever their size, so subscribers still learn which row.
// - The whole event must also fit in one Kafka record (`maxEventBytes`, from the cdc topic's
//   max.message.bytes): a record Kafka refuses would fail the publish, and the slot would replay the
//   same change forever. An event over it gets the same 413 form, whatever maxRecordBytes says.
import type { ChangeEvent } from '@realtime/schemas';
import { columnJson } from './to-jsonb.ts';
import type { Change, ChangeColumnInfo, TextRecord, Transaction } from './transaction.ts';

export const DEFAULT_MAX_RECORD_BYTES = 1_048_576;
/** Fields kept in an oversized record: the reference's `octet_length(value::text) <= 64`. */
export const TRUNCATED_FIELD_MAX_BYTES = 64;

/** Kafka's default max.message.bytes (1 MiB + 12) less room for the record batch, key and framing. */
const DEFAULT_MAX_EVENT_BYTES = 1_048_588 - 4096;

export interface ToChangeEventOptions {
  maxRecordBytes?: number;
  /** Bound on the encoded event (changeEventBytes); see the invariants above. */
  maxEventBytes?: number;
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
const small = (list: Field[] | null, pk: readonly string[]) =>
  list && list.filter((f) => pk.includes(f.name) || Buffer.byteLength(f.json) <= TRUNCATED_FIELD_MAX_BYTES);

/** prev_hash, set later in the stream (tenant-stream.ts): union index, length and 32 bytes. */
const PREV_HASH_BYTES = 34;

/**
 * An upper bound of the event's Avro size: every string or array costs its bytes plus a varint
 * length (at most 10 bytes), every number at most 10. Cheap enough to compute for every change.
 */
export function changeEventBytes(e: ChangeEvent): number {
  const str = (v: string | null) => (v === null ? 1 : Buffer.byteLength(v) + 11);
  let n = 128 + PREV_HASH_BYTES + str(e.tenant) + str(e.schema) + str(e.table) + str(e.commit_lsn) + str(e.record_json) + str(e.old_record_json);
  for (const c of e.columns) n += str(c.name) + str(c.type) + 10;
  for (const name of [...e.pk_columns, ...e.toast_unchanged]) n += str(name);
  return n;
}

export function toChangeEvent(change: Change, txn: Transaction, tenant: string, options: ToChangeEventOptions = {}): ChangeEvent {
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const record = fields(change.columns, change.record);
  const oldRecord = fields(change.columns, change.oldRecord);
  const event: ChangeEvent = {
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
    record_json: objectJson(record),
    old_record_json: objectJson(oldRecord),
    pk_columns: [...change.pkColumns],
    toast_unchanged: [...change.toastUnchanged],
    truncated: false,
    relation_id: change.relationId,
  };
  const tooLarge = bytes(event.record_json) + bytes(event.old_record_json) > maxRecordBytes ||
    changeEventBytes(event) > (options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES);
  if (!tooLarge) return event;
  return { ...event, record_json: objectJson(small(record, change.pkColumns)), old_record_json: objectJson(small(oldRecord, change.pkColumns)), truncated: true };
}

/** Every change of a transaction, in order. */
export function transactionToChangeEvents(txn: Transaction, tenant: string, options: ToChangeEventOptions = {}): ChangeEvent[] {
  return txn.changes.map((change) => toChangeEvent(change, txn, tenant, options));
}
