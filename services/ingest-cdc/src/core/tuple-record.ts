// Tuple (pgoutput column values in relation order) → name-keyed text record.
import type { RelationMessage, Tuple } from './pgoutput-types.ts';
import type { TextRecord } from './transaction.ts';

export interface RecordResult {
  record: TextRecord;
  /** Columns sent as 'u' (unchanged TOAST): absent from `record`. */
  unchanged: string[];
  problem: 'TupleMismatch' | 'BinaryValue' | null;
}

/** `keysOnly`: a 'K' tuple carries every column, the non-key ones as NULL placeholders. */
export function tupleToRecord(relation: RelationMessage, tuple: Tuple, keysOnly = false): RecordResult {
  const record: TextRecord = {};
  const unchanged: string[] = [];
  if (tuple.length !== relation.columns.length) return { record, unchanged, problem: 'TupleMismatch' };
  for (let i = 0; i < tuple.length; i++) {
    const column = relation.columns[i]!;
    const value = tuple[i]!;
    if (keysOnly && !column.isKey) continue;
    if (value.kind === 'binary') return { record, unchanged, problem: 'BinaryValue' };
    if (value.kind === 'unchanged') unchanged.push(column.name);
    else record[column.name] = value.kind === 'null' ? null : value.value;
  }
  return { record, unchanged, problem: null };
}

/** The key columns' values of a record (an UPDATE that kept its key gets no old tuple). */
export function keyOf(relation: RelationMessage, record: TextRecord): TextRecord | null {
  const keys = relation.columns.filter((c) => c.isKey && Object.hasOwn(record, c.name));
  return keys.length ? Object.fromEntries(keys.map((c) => [c.name, record[c.name]!])) : null;
}
