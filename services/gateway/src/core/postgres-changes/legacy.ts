// The legacy join form (docs/PROTOCOL.md §3.2, last bullets): realtime-js 1.x / supabase-js v1 send a
// phx_join without `config` and name what they want in the topic itself,
// `realtime:schema[:table[:filter]]` (`realtime:*` = every schema). The reference turns that into
// one ordinary binding (event `*`), so this does too: the subscription, matcher, RLS and column
// checks are those of the current form; only the event frame differs (see legacyFrame).
import { isObject } from '../base/is-object.ts';

/** A join is legacy when its payload is a map without a `config` key (even `config: null` is the new form, as in the reference). */
export function isLegacyJoin(payload: unknown): boolean {
  return isObject(payload) && !Object.hasOwn(payload, 'config');
}

/**
 * The binding a legacy subtopic stands for, with exactly the keys the reference puts in it: it
 * is echoed in the join reply (plus `id`). At most three parts: a filter keeps its own colons
 * (`public:todos:at=eq.12:30` filters on `at` = `12:30`).
 */
export function legacyBinding(subtopic: string): Record<string, string> {
  const [schema, table, filter] = splitParts(subtopic, 3);
  if (filter !== undefined) return { schema: schema!, table: table!, filter };
  if (table !== undefined) return { schema: schema!, table };
  return { schema: schema! };
}

function splitParts(text: string, parts: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (out.length < parts - 1) {
    const at = rest.indexOf(':');
    if (at < 0) break;
    out.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  out.push(rest);
  return out;
}

/**
 * A change for a legacy channel: the event is the change type (realtime-js 1.x fires `on('INSERT')`
 * etc. by event name, and `on('*')` when the event equals `payload.type`), the payload the bare
 * change map, without the `ids` wrapper of the current form.
 */
export function legacyFrame(payload: { data: Record<string, unknown> }): { event: string; payload: unknown } {
  return { event: String(payload.data.type), payload: payload.data };
}
