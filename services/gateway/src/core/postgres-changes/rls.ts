// The RLS check of a batch of changes (docs/ARCHITECTURE.md "RLS at scale"): per table, one key
// list (the batch's rows) checked for every distinct (role, claims) at once, so the cost grows
// with distinct identities, not with subscribers. DELETE is never RLS-checked (as in the reference).
// It knows receivers only as opaque values and their identity as a function (batch.ts passes the
// channel and identityOf), which keeps this file at the bottom of the import graph.
import type { ChangeEvent } from '@realtime/schemas';
import type { Identity, TableInfo, TenantDatabase } from '../../ports.ts';

/** What the check needs of a pending change: the event and who would receive it. */
export interface RlsCandidate<R> {
  event: ChangeEvent;
  deliveries: ReadonlyArray<{ sub: { channel: R } }>;
}

type Group<R, P> = { identity: Identity; items: Array<{ p: P; receiver: R }> };

/**
 * For each pending event, the receivers RLS hides it from. The adapter checks one table's rows for
 * all of its identities in a few round trips however many identities there are.
 */
export async function rlsHidden<R, P extends RlsCandidate<R>>(
  db: TenantDatabase,
  pending: readonly P[],
  tables: ReadonlyMap<string, TableInfo | null>,
  identityOf: (receiver: R) => Identity,
): Promise<Map<P, Set<R>>> {
  const perTable = groupByIdentity(pending, tables, identityOf);
  const hidden = new Map<P, Set<R>>();
  const hide = (p: P, receiver: R) => {
    let set = hidden.get(p);
    if (!set) hidden.set(p, (set = new Set()));
    set.add(receiver);
  };
  await Promise.all([...perTable].map(async ([table, { events, groups }]) => {
    const list = [...groups.values()];
    if (table.pk.length === 0) return list.forEach((g) => g.items.forEach((i) => hide(i.p, i.receiver))); // nothing to look rows up by
    const index = new Map(events.map((p, i) => [p, i]));
    const keys = events.map((p) => {
      const row = JSON.parse(p.event.record_json ?? '{}') as Record<string, unknown>;
      return table.pk.map((c) => keyText(row[c.name], c.type));
    });
    const xids = events.map((p) => p.event.xid);
    const visible = await db.visibleRows({ schema: table.schema, table: table.table, pk: table.pk, keys, xids }, list.map((g) => g.identity));
    list.forEach((g, gi) => {
      for (const item of g.items) if (!visible[gi]!.has(index.get(item.p)!)) hide(item.p, item.receiver);
    });
  }));
  return hidden;
}

/** Per RLS table: its INSERT/UPDATE events and, per distinct (role, claims), who would receive which. */
function groupByIdentity<R, P extends RlsCandidate<R>>(pending: readonly P[], tables: ReadonlyMap<string, TableInfo | null>, identityOf: (receiver: R) => Identity) {
  const perTable = new Map<TableInfo, { events: P[]; groups: Map<string, Group<R, P>> }>();
  // A receiver gets most of a batch's rows: its identity key (claims as JSON) once per batch, not per row.
  const keys = new Map<R, { identity: Identity; key: string }>();
  const keyOf = (receiver: R) => {
    let k = keys.get(receiver);
    if (!k) {
      const identity = identityOf(receiver);
      keys.set(receiver, (k = { identity, key: `${identity.role}\u0000${JSON.stringify(identity.claims)}` }));
    }
    return k;
  };
  for (const p of pending) {
    const table = tables.get(`${p.event.schema}.${p.event.table}`);
    if (!table?.rls || (p.event.type !== 'INSERT' && p.event.type !== 'UPDATE')) continue;
    let entry = perTable.get(table);
    if (!entry) perTable.set(table, (entry = { events: [], groups: new Map() }));
    entry.events.push(p);
    for (const d of p.deliveries) {
      const { identity, key } = keyOf(d.sub.channel);
      let group = entry.groups.get(key);
      if (!group) entry.groups.set(key, (group = { identity, items: [] }));
      group.items.push({ p, receiver: d.sub.channel });
    }
  }
  return perTable;
}

/** A key value as Postgres reads it back from text: to_jsonb's JSON, strings unquoted. */
function keyText(value: unknown, type: string): string | null {
  if (value === null || value === undefined) return null;
  // Records carry bytea as bare hex (docs/PROTOCOL.md §6); cast back to bytea, the text needs its \x again.
  if (type === 'bytea' && typeof value === 'string') return `\\x${value}`;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
