// Evaluates parsed filters against a change record (values as to_jsonb gives them), comparing by
// column type as `realtime.cast` + SQL would (docs/PROTOCOL.md §6): numbers numerically, booleans as booleans,
// timestamps and dates as instants, json by value, everything else as text in code-point order.
// SQL NULL semantics: a comparison with NULL is unknown, so it never matches, negated or not; only
// `is` and `isdistinct` see NULL. `like`/`ilike`/`match`/`imatch` run the pattern compiled at
// subscribe time (patterns.ts), in time linear in the value.
import type { Filter } from './filters.ts';
import type { Column } from './column.ts';

export type { Column } from './column.ts';

type Family = 'number' | 'bool' | 'time' | 'json' | 'bytea' | 'text';
type Comparable = number | boolean | string;

const NUMERIC = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'oid', 'smallint', 'integer', 'bigint', 'real', 'double precision']);
const TIME = new Set(['timestamptz', 'timestamp', 'date', 'timestamp with time zone', 'timestamp without time zone']);

function family(type: string): Family {
  if (NUMERIC.has(type)) return 'number';
  if (type === 'bool' || type === 'boolean') return 'bool';
  if (TIME.has(type)) return 'time';
  if (type === 'json' || type === 'jsonb') return 'json';
  if (type === 'bytea') return 'bytea';
  return 'text';
}

/** Casts a filter value (text) or a record value (JSON) to a comparable of the column's family. */
function cast(value: unknown, fam: Family): Comparable | undefined {
  if (fam === 'number') {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    return Number.isNaN(n) ? undefined : n;
  }
  if (fam === 'bool') {
    if (typeof value === 'boolean') return value;
    const v = String(value).toLowerCase();
    return ['t', 'true', 'yes', 'on', '1'].includes(v) ? true : ['f', 'false', 'no', 'off', '0'].includes(v) ? false : undefined;
  }
  if (fam === 'time') {
    const s = String(value);
    const t = Date.parse(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(s) || !s.includes(':') ? s : `${s}Z`);
    return Number.isNaN(t) ? undefined : t;
  }
  if (fam === 'json') {
    if (typeof value !== 'string') return JSON.stringify(value);
    try { return JSON.stringify(JSON.parse(value)); } catch { return undefined; }
  }
  // Records carry bytea as bare lower-case hex (docs/PROTOCOL.md §6), as Postgres prints it; a filter value
  // comes in the input form `\x…`, any case. Only the filter's side (at most 1024 characters) is
  // rewritten: a 1 MB record value is compared as it is, not copied per change.
  if (fam === 'bytea') return typeof value !== 'string' ? undefined : value.startsWith('\\x') ? value.slice(2).toLowerCase() : value;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const compare = (a: Comparable, b: Comparable) => (a < b ? -1 : a > b ? 1 : 0);

/** null when every filter refers to a known column and its value casts; else the reason. */
export function validateFilters(filters: Filter[], columns: Column[]): string | null {
  for (const f of filters) {
    const col = columns.find((c) => c.name === f.column);
    if (!col) return `column ${f.column} does not exist`;
    const fam = family(col.type);
    if (f.op === 'is' && f.value !== null && f.value !== 'unknown' && fam !== 'bool') return `is.${f.value} needs a boolean column, ${f.column} is ${col.type}`;
    if (['like', 'ilike', 'match', 'imatch', 'is'].includes(f.op)) continue;
    const values = Array.isArray(f.value) ? f.value : [f.value];
    for (const v of values) if (v !== null && cast(v, fam) === undefined) return `invalid input for type ${col.type}: "${v}"`;
  }
  return null;
}

/** A filter's value (or `in` list, as a set of primitives: membership is SQL equality) cast once
 *  per column type, not on every change. */
const filterCasts = new WeakMap<Filter, { fam: Family; cast: Comparable | Set<Comparable> | undefined }>();

function filterValue(f: Filter, fam: Family): Comparable | Set<Comparable> | undefined {
  let entry = filterCasts.get(f);
  if (entry?.fam !== fam) {
    let value: Comparable | Set<Comparable> | undefined;
    if (Array.isArray(f.value)) {
      value = new Set();
      for (const v of f.value) {
        const c = cast(v, fam);
        if (c !== undefined) value.add(c);
      }
    } else value = f.value === null ? undefined : cast(f.value, fam);
    filterCasts.set(f, (entry = { fam, cast: value }));
  }
  return entry.cast;
}

/** A record's column cast (and, as 'text', stringified) once per change, however many filters of
 *  however many bindings read it: the fan-out hands every binding the same record object, and a
 *  1 MB json value must not be serialised once per filter. */
const recordCasts = new WeakMap<object, Map<string, Comparable | undefined>>();

function recordValue(record: Record<string, unknown>, column: string, fam: Family): Comparable | undefined {
  let casts = recordCasts.get(record);
  if (!casts) recordCasts.set(record, (casts = new Map()));
  const key = `${fam}\u0000${column}`;
  if (casts.has(key)) return casts.get(key);
  const raw = record[column] ?? null;
  const value = raw === null ? undefined : cast(raw, fam);
  casts.set(key, value);
  return value;
}

/** Column name → type, built once per change's column list (shared by every binding it is tested
 *  against) instead of a scan per filter: tables may have up to 1600 columns. */
const typesByColumns = new WeakMap<Column[], Map<string, string>>();

function columnTypes(columns: Column[]): Map<string, string> {
  let types = typesByColumns.get(columns);
  if (!types) {
    types = new Map();
    for (const c of columns) if (!types.has(c.name)) types.set(c.name, c.type);
    typesByColumns.set(columns, types);
  }
  return types;
}

/**
 * Does the record pass every filter? Never throws: whatever goes wrong while testing one binding
 * counts as "no match" for that binding alone, so it cannot cost other subscribers their changes.
 */
export function matches(filters: Filter[], record: Record<string, unknown>, columns: Column[]): boolean {
  try {
    const types = columnTypes(columns);
    return filters.every((f) => matchOne(f, record, family(types.get(f.column) ?? 'text')));
  } catch {
    return false;
  }
}

function matchOne(f: Filter, record: Record<string, unknown>, fam: Family): boolean {
  if (f.op === 'is') {
    const isNull = (record[f.column] ?? null) === null;
    const result = f.value === null || f.value === 'unknown' ? isNull : !isNull && recordValue(record, f.column, 'bool') === (f.value === 'true');
    return f.negate ? !result : result;
  }
  const value = recordValue(record, f.column, fam);
  if (f.op === 'isdistinct') {
    const other = filterValue(f, fam) as Comparable | undefined;
    const distinct = value === undefined || other === undefined ? value !== other : compare(value, other) !== 0;
    return f.negate ? !distinct : distinct;
  }
  if (value === undefined) return false; // NULL: unknown, never a match
  const result = test(f, value, record, fam);
  return f.negate ? !result : result;
}

function test(f: Filter, value: Comparable, record: Record<string, unknown>, fam: Family): boolean {
  switch (f.op) {
    case 'like': case 'ilike': case 'match': case 'imatch': return f.pattern?.test(recordValue(record, f.column, 'text') as string, record) ?? false;
    case 'in': return (filterValue(f, fam) as Set<Comparable>).has(value);
  }
  const other = filterValue(f, fam) as Comparable | undefined;
  if (other === undefined) return false;
  const c = compare(value, other);
  switch (f.op) {
    case 'eq': return c === 0;
    case 'neq': return c !== 0;
    case 'lt': return c < 0;
    case 'lte': return c <= 0;
    case 'gt': return c > 0;
    case 'gte': return c >= 0;
    default: return false;
  }
}
