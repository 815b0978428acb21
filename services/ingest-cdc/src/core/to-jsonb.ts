// A column's text output (as pgoutput sends it) → the JSON that Postgres's to_jsonb gives for the
// same value, as JSON text. Mirrors json_categorize_type / datum_to_jsonb (src/backend/utils/adt/
// jsonb.c). Assumes the sending session's DateStyle is ISO and bytea_output is hex (defaults).
//
//   type (oid)                              text output              to_jsonb / here
//   bool (16)                               t | f                    true | false
//   int2/int4/int8 (21/23/20), numeric      -12 | 1.50               -12 | 1.50 (digits kept, no
//     (1700), float4/float8 (700/701)                                 rounding; float exponents
//                                           1e-07 | 1.5e+20           expanded as numeric does:
//                                                                      0.0000001 | 150000000000000000000)
//                                           NaN | Infinity           "NaN" | "Infinity" (strings)
//   json (114), jsonb (3802)                {"a": [1, 2]}            {"a":[1,2]} (embedded value)
//   timestamptz (1184)                      2026-08-21 12:34:56.7+00 "2026-08-21T12:34:56.7+00:00"
//                                           …+05:30 | …+05:53:28     offset kept, always ±HH:MM[:SS]
//   timestamp (1114)                        2026-08-21 12:34:56.7    "2026-08-21T12:34:56.7"
//   date (1082)                             2026-08-21 | infinity    "2026-08-21" | "infinity"
//   bytea (17)                              \x00ff10                 "00ff10" (hex without \x, as the
//                                                                      reference's wal2json sends it)
//   arrays of any type above (_int4 …)      {1,NULL,"a b"} {{1},{2}} [1,null,"a b"] [[1],[2]]
//   anything else: text, varchar, uuid,     12:00:00 | …             "12:00:00" | …
//     time, interval, enums, …                                        (the text as a JSON string)
//   NULL                                                              null
//
// Known differences from to_jsonb: bytea drops its \x prefix (as the reference does, docs/PROTOCOL.md §6);
// user types are strings even when they are domains over numbers or composites (pgoutput names
// them, it does not say what they are); json values keep their key order and duplicate keys
// (jsonb sorts keys and keeps the last duplicate).
import { compactJson, jsonbNumber } from './json-text.ts';
import { parsePgArray, type PgArray } from './pg-array.ts';
import { arrayElementOid } from './pg-type-names.ts';

const numericOids = new Set([20, 21, 23, 700, 701, 1700]);
const str = (text: string) => JSON.stringify(text);

function number(text: string): string {
  return /^-?\d/.test(text) ? jsonbNumber(text) : str(text); // NaN, Infinity, -Infinity
}

/** ISO → XSD: 'T' between date and time, and a zone offset of at least ±HH:MM. */
function timestamp(text: string, withZone: boolean): string {
  if (!/^\d{4,}-\d\d-\d\d /.test(text)) return str(text); // infinity, -infinity
  const xsd = text.replace(' ', 'T');
  return str(withZone ? xsd.replace(/([+-]\d\d)(?=( BC)?$)/, '$1:00') : xsd);
}

const scalars: Record<number, (text: string) => string> = {
  16: (t) => (t === 't' ? 'true' : t === 'f' ? 'false' : str(t)),
  17: (t) => str(t.startsWith('\\x') ? t.slice(2) : t),
  114: (t) => compactJson(t) ?? str(t),
  3802: (t) => compactJson(t) ?? str(t),
  1082: str,
  1114: (t) => timestamp(t, false),
  1184: (t) => timestamp(t, true),
};

function scalar(text: string, typeOid: number): string {
  if (numericOids.has(typeOid)) return number(text);
  return (scalars[typeOid] ?? str)(text);
}

function array(items: PgArray, elementOid: number): string {
  return `[${items.map((item) => (item === null ? 'null' : Array.isArray(item) ? array(item, elementOid) : scalar(item, elementOid))).join(',')}]`;
}

/** JSON text of one column value. `typeName` spots arrays of user types ('_mood'). */
export function columnJson(text: string | null, typeOid: number, typeName: string): string {
  if (text === null) return 'null';
  const elementOid = arrayElementOid(typeOid) ?? (typeName.startsWith('_') && typeOid >= 16384 ? 0 : undefined);
  if (elementOid === undefined) return scalar(text, typeOid);
  const items = parsePgArray(text, typeOid === 1020 ? ';' : ',');
  return items ? array(items, elementOid) : str(text);
}
