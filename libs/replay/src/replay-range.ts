// The bounds of a replay of realtime.cdc (docs/ARCHITECTURE.md "Replay and audit"), parsed from what a person
// types (CLI flag, query string) and applied to ChangeEvents. Pure: shared by the Kafka reader, the
// CLI and tenant-admin's transport, which must not load kafkajs to validate a query.
//
// A point is a time or a Postgres LSN. Times compare with commit_timestamp (µs), LSNs with
// commit_lsn_num; both bounds are inclusive. Times without an offset are UTC, so the same input
// selects the same range on every machine.
import type { ChangeEvent } from '@realtime/schemas';

export type ReplayPoint = { kind: 'time'; micros: number } | { kind: 'lsn'; lsn: bigint };

export interface ReplayTable {
  schema: string;
  table: string;
}

export interface ReplayRange {
  from: ReplayPoint;
  /** null: up to the end offsets taken when the replay starts. */
  to: ReplayPoint | null;
  /** null: every table. */
  table: ReplayTable | null;
}

export const POINT_HELP = 'must be a time (ms since the epoch, or ISO 8601 such as 2026-01-01T12:00:00.123456Z) or an LSN such as 0/16B3748';

const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** A time (ms number, digits = ms, ISO 8601 with up to µs precision) or an LSN; null when neither. */
export function parsePoint(input: string | number): ReplayPoint | null {
  if (typeof input === 'number') return Number.isSafeInteger(input) && input >= 0 ? { kind: 'time', micros: input * 1000 } : null;
  const text = input.trim();
  const lsn = LSN.exec(text);
  if (lsn) return { kind: 'lsn', lsn: (BigInt(`0x${lsn[1]}`) << 32n) | BigInt(`0x${lsn[2]}`) };
  if (/^\d{1,15}$/.test(text)) return { kind: 'time', micros: Number(text) * 1000 };
  const micros = isoMicros(text);
  return micros === null ? null : { kind: 'time', micros };
}

function isoMicros(text: string): number | null {
  const m = ISO.exec(text);
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const days = new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate(); // days in that month
  if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > days || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(3).replace(':', '') || '00'}`;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${offset}`);
  return Number.isNaN(ms) ? null : ms * 1000 + Number(frac.padEnd(6, '0').slice(0, 6));
}

/** "schema.table", or "table" in public; null when malformed. */
export function parseTable(input: string): ReplayTable | null {
  const text = input.trim();
  const dot = text.indexOf('.');
  const [schema, table] = dot < 0 ? ['public', text] : [text.slice(0, dot), text.slice(dot + 1)];
  return schema && table ? { schema, table } : null;
}

export type RangeInput = { from?: unknown; to?: unknown; table?: unknown };
export type ParsedRange = { ok: true; range: ReplayRange } | { ok: false; errors: Record<string, string[]> };

/** Validates raw inputs (query values, flags); errors are keyed by field, like the API's other 422s. */
export function parseReplayRange(input: RangeInput): ParsedRange {
  const errors: Record<string, string[]> = {};
  const field = <T>(name: string, value: unknown, parse: (v: string | number) => T | null, help: string, required: boolean): T | null => {
    if (value === undefined || value === '') {
      if (required) errors[name] = ["can't be blank"];
      return null;
    }
    const parsed = typeof value === 'string' || typeof value === 'number' ? parse(value) : null;
    if (parsed === null) errors[name] = [Array.isArray(value) ? 'must be given once' : help];
    return parsed;
  };
  const from = field('from', input.from, parsePoint, POINT_HELP, true);
  const to = field('to', input.to, parsePoint, POINT_HELP, false);
  const table = field('table', input.table, (v) => parseTable(String(v)), 'must be schema.table or table (in public)', false);
  if (from && to && from.kind === to.kind && comparable(to) < comparable(from)) errors.to = ['must not be before from'];
  if (!from || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, range: { from, to, table } };
}

const comparable = (p: ReplayPoint): bigint => (p.kind === 'lsn' ? p.lsn : BigInt(p.micros));

function position(e: ChangeEvent, kind: ReplayPoint['kind']): bigint {
  return kind === 'lsn' ? BigInt(e.commit_lsn_num) : BigInt(e.commit_timestamp);
}

/** Whether the event lies within the range's bounds and table (the tenant is checked by the caller). */
export function inRange(e: ChangeEvent, range: ReplayRange): boolean {
  if (range.table && (e.schema !== range.table.schema || e.table !== range.table.table)) return false;
  if (position(e, range.from.kind) < comparable(range.from)) return false;
  return !range.to || position(e, range.to.kind) <= comparable(range.to);
}

/**
 * A stateful filter: the tenant's events in range, each (commit_lsn_num, seq) once. A restarted
 * ingest-cdc re-sends from its slot's confirmed position, so duplicates do occur on the topic.
 * Remembers every emitted position (exact even if duplicates are not adjacent).
 */
export function createChangeFilter(tenant: string, range: ReplayRange): (e: ChangeEvent) => boolean {
  const seen = new Set<string>();
  return (e) => {
    if (e.tenant !== tenant || !inRange(e, range)) return false;
    const id = `${e.commit_lsn_num}:${e.seq}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  };
}
