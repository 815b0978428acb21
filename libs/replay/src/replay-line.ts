// The NDJSON line of one replayed change (docs/ARCHITECTURE.md "Replay and audit": the same range replayed
// twice gives the same bytes). Layout, one object per line, fields always in this order:
//
//   {"tenant","commit_lsn","commit_timestamp","xid","seq","schema","table","type",
//    "columns":[{"name","type"}],"record","old_record","pk_columns","toast_unchanged","truncated"}
//
// commit_timestamp is ISO 8601 UTC with microseconds ("2026-01-01T12:00:00.123456Z"). record and
// old_record are the JSON objects ingest-cdc wrote, embedded as written rather than re-serialized:
// JSON.parse would round int8/numeric values beyond 2^53 and reorder integer-like keys.
import type { ChangeEvent } from '@realtime/schemas';

/** µs since the epoch → "YYYY-MM-DDTHH:MM:SS.ffffffZ". */
export function formatMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const rest = micros - ms * 1000;
  return `${new Date(ms).toISOString().slice(0, -1)}${String(rest).padStart(3, '0')}Z`;
}

/** The JSON text as an embeddable value: verbatim when it is one line of valid JSON. */
function embed(json: string | null): string {
  if (json === null) return 'null';
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return JSON.stringify(json); // never seen from ingest-cdc; keep the line valid and the text intact
  }
  return /[\r\n]/.test(json) ? JSON.stringify(parsed) : json.trim();
}

const s = JSON.stringify;

/** One line, terminated by "\n". */
export function changeLine(e: ChangeEvent): string {
  const columns = s(e.columns.map((c) => ({ name: c.name, type: c.type })));
  return `{"tenant":${s(e.tenant)},"commit_lsn":${s(e.commit_lsn)},"commit_timestamp":${s(formatMicros(e.commit_timestamp))},` +
    `"xid":${s(e.xid)},"seq":${s(e.seq)},"schema":${s(e.schema)},"table":${s(e.table)},"type":${s(e.type)},` +
    `"columns":${columns},"record":${embed(e.record_json)},"old_record":${embed(e.old_record_json)},` +
    `"pk_columns":${s(e.pk_columns)},"toast_unchanged":${s(e.toast_unchanged)},"truncated":${s(e.truncated)}}\n`;
}

export async function* ndjsonLines(changes: AsyncIterable<ChangeEvent>): AsyncGenerator<string> {
  for await (const e of changes) yield changeLine(e);
}
