// postgres_changes bindings of a join (docs/PROTOCOL.md §3.2, §3.3, §6). The join reply echoes each binding as
// the client sent it plus an integer `id`, in order, never adding keys: realtime-js compares them
// one by one and unsubscribes on any mismatch.
import { createHash } from 'node:crypto';
import { parseFilters, type Filter } from './filters.ts';
import { channelBudget } from './patterns.ts';

export type BindingEvent = '*' | 'INSERT' | 'UPDATE' | 'DELETE';

export interface Binding {
  raw: Record<string, unknown>;
  id: number;
  event: BindingEvent;
  schema: string;
  table: string;
  filters: Filter[];
  select: string[] | null;
}

export type ParsedBindings = { ok: true; bindings: Binding[] } | { ok: false; error: string };

/** Identical maps get identical ids on every gateway: a hash of the canonical JSON, 27 bits like phash2's range. */
export function bindingId(raw: Record<string, unknown>): number {
  return createHash('sha256').update(canonical(raw)).digest().readUInt32BE(0) & 0x7ffffff;
}

/** A real binding is one level deep with a handful of keys (`select` lists at most 1600 names).
 *  Past this depth or this many values, the rest is hashed as a constant: a hostile join (one
 *  binding with 400k keys took 2.7 s to hash) cannot recurse the stack away or hold the loop. */
const CANONICAL_MAX_DEPTH = 8;
const CANONICAL_MAX_NODES = 4096;
const TRUNCATED = '"…"';

function canonical(value: unknown, budget = { nodes: CANONICAL_MAX_NODES }, depth = 0): string {
  if (depth > CANONICAL_MAX_DEPTH || budget.nodes <= 0) return TRUNCATED;
  budget.nodes--;
  if (Array.isArray(value)) {
    if (value.length > budget.nodes) return TRUNCATED;
    return `[${value.map((v) => canonical(v, budget, depth + 1)).join(',')}]`;
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length > budget.nodes) return TRUNCATED;
    return `{${keys.sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k], budget, depth + 1)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const EVENTS = new Set(['*', 'INSERT', 'UPDATE', 'DELETE']);

/** Bindings one channel may hold: each costs a query on the tenant database when subscribing and a
 *  test on every change of the tenant, so the client cannot choose how many. */
export const MAX_BINDINGS = 100;
/** Postgres's own limit of columns in a table: a longer `select` can only be noise. */
const MAX_SELECT = 1600;

export function parseBindings(list: unknown): ParsedBindings {
  if (!Array.isArray(list)) return { ok: true, bindings: [] };
  if (list.length > MAX_BINDINGS) {
    return { ok: false, error: `Unable to subscribe to changes with given parameters. A channel accepts at most ${MAX_BINDINGS} postgres_changes bindings, got ${list.length}` };
  }
  const bindings: Binding[] = [];
  const budget = channelBudget();
  for (const item of list) {
    const raw = (item && typeof item === 'object' && !Array.isArray(item) ? item : {}) as Record<string, unknown>;
    const event = String(raw.event ?? '*').toUpperCase();
    // An empty name is a name, as in the reference: it matches no published table (a legacy
    // `realtime:public:` topic is an error, not every table of public).
    const table = typeof raw.table === 'string' ? raw.table : '*';
    const schema = typeof raw.schema === 'string' ? raw.schema : 'public';
    const filter = typeof raw.filter === 'string' ? raw.filter : undefined;
    const parsed = parseFilters(filter, budget);
    if (!parsed.ok) return { ok: false, error: `Error parsing \`filter\` params: ${parsed.error}` };
    if (Array.isArray(raw.select) && raw.select.length > MAX_SELECT) return { ok: false, error: `\`select\` accepts at most ${MAX_SELECT} columns, got ${raw.select.length}` };
    const select = Array.isArray(raw.select) ? raw.select.filter((c): c is string => typeof c === 'string') : null;
    if (select && (table === '*' || schema === '*')) return { ok: false, error: '`select` cannot be used with a wildcard table' };
    bindings.push({ raw, id: bindingId(raw), event: (EVENTS.has(event) ? event : '*') as BindingEvent, schema, table, filters: parsed.filters, select });
  }
  return { ok: true, bindings };
}

/** The join reply's `postgres_changes`: each raw map plus its id, in the client's order. */
export function joinReplyBindings(bindings: Binding[]): Array<Record<string, unknown>> {
  return bindings.map((b) => ({ ...b.raw, id: b.id }));
}

/** The same from the join payload as sent, before (and whether or not) the bindings parse: the
 *  reply never waits for validation, whose errors arrive later as `system` messages (docs/PROTOCOL.md §3.5).
 *  Only the first MAX_BINDINGS are echoed: a 1 MB join of `{}`s took seconds to hash and made a
 *  5 MB reply. realtime-js then sees fewer bindings than it sent, reports CHANNEL_ERROR
 *  ("mismatch between server and client bindings") and leaves: the channel never half-works. */
export function echoBindings(list: unknown): Array<Record<string, unknown>> {
  if (!Array.isArray(list)) return [];
  return list.slice(0, MAX_BINDINGS).map((item) => {
    const raw = (item && typeof item === 'object' && !Array.isArray(item) ? item : {}) as Record<string, unknown>;
    return { ...raw, id: bindingId(raw) };
  });
}

/** Does a binding want a change of this table and type? (Filters are checked separately.) */
export function bindingWants(b: Binding, schema: string, table: string, type: string): boolean {
  return (b.event === '*' || b.event === type) && (b.schema === '*' || b.schema === schema) && (b.table === '*' || b.table === table);
}
