// One batch of Postgres changes between matching and sending (docs/PROTOCOL.md §6): which
// subscribers want each event, what the tenant database says of them (tables, RLS, column
// privileges), and the frame of each delivery. The live fan-out (fanout.ts) and a recovery
// (core/recovery/changes.ts) share it; both sit right above it in the import graph.
import { ErrorCodes } from '@realtime/errors';
import type { ChangeEvent } from '@realtime/schemas';
import type { TableInfo, TenantDatabase } from '../../ports.ts';
import type { Channel } from '../channels/connection.ts';
import { identityOf } from '../auth/identity.ts';
import { timed } from '../metrics/metrics.ts';
import { bindingWants, type Binding } from './bindings.ts';
import { matches } from './matcher.ts';
import { changePayload } from './payload.ts';
import { legacyFrame } from './legacy.ts';
import { rlsHidden } from './rls.ts';

export interface Subscriber {
  channel: Channel;
  bindings: Binding[];
  /** Joined in the legacy form: each change goes out as its bare map (legacy.ts). */
  legacy: boolean;
}

export interface Delivery {
  sub: Subscriber;
  ids: number[];
  select: string[] | null;
}

export interface Pending {
  event: ChangeEvent;
  deliveries: Delivery[];
}

export interface Checked {
  tables: Map<string, TableInfo | null>;
  hidden: Map<Pending, Set<Channel>>;
  columns: Map<string, Set<string>>;
}

/** The role a channel's claims give it: frames and column privileges differ by role. */
export const roleOf = (channel: Channel): string => identityOf(channel.claims).role;

/**
 * Everything the tenant database must say about a batch before it can be sent: tables, RLS,
 * column privileges. The live fan-out and a recovery (core/recovery/changes.ts) share it.
 */
export async function checkPending(db: TenantDatabase | null, pending: Pending[], observeRls: (seconds: number) => void): Promise<Checked> {
  if (!db) throw Object.assign(new Error('tenant database not configured'), { code: ErrorCodes.UnableToConnectToProject });
  const tables = new Map<string, TableInfo | null>();
  for (const p of pending) {
    const name = `${p.event.schema}.${p.event.table}`;
    if (!tables.has(name)) tables.set(name, await db.table(p.event.schema, p.event.table));
  }
  const hidden = await timed(observeRls, () => rlsHidden(db, pending, tables, (channel: Channel) => identityOf(channel.claims)));
  const columns = new Map<string, Set<string>>();
  for (const p of pending) {
    for (const d of p.deliveries) {
      const key = `${p.event.schema}.${p.event.table}\u0000${roleOf(d.sub.channel)}`;
      if (!columns.has(key)) columns.set(key, await db.selectableColumns(p.event.schema, p.event.table, roleOf(d.sub.channel)));
    }
  }
  return { tables, hidden, columns };
}

/** The event with its primary-key column names (from the table when the record has none). */
export const withPk = (e: ChangeEvent, table: TableInfo | null): ChangeEvent => ({ ...e, pk_columns: e.pk_columns.length > 0 ? e.pk_columns : (table?.pk.map((c) => c.name) ?? []) });

/** One delivery's frame: payload after select and column privileges, legacy or not, `ref` for recovering channels. */
export function changeFrame(d: Delivery, change: ChangeEvent, table: TableInfo | null, columns: Map<string, Set<string>>, ref: string | null): string | Uint8Array {
  const channel = d.sub.channel;
  const payload = changePayload(d.ids, change, {
    select: d.select,
    visibleColumns: columns.get(`${change.schema}.${change.table}\u0000${roleOf(channel)}`),
    rlsDelete: change.type === 'DELETE' && (table?.rls ?? false),
  });
  const message = d.sub.legacy ? legacyFrame(payload) : { event: 'postgres_changes', payload };
  return channel.conn.wire.encode({ joinRef: null, ref, topic: channel.topic, ...message });
}

/** Which subscribers' bindings want this event, and with which ids (each id once). */
export function match(event: ChangeEvent, subs: Iterable<Subscriber>): Delivery[] {
  const out: Delivery[] = [];
  let record: Record<string, unknown> | undefined;
  const row = () => (record ??= JSON.parse((event.type === 'DELETE' ? event.old_record_json : event.record_json) ?? '{}') as Record<string, unknown>);
  for (const sub of subs) {
    let ids: number[] | null = null;
    let select: string[] | null = null;
    let selectAll = false;
    for (const b of sub.bindings) {
      if (!bindingWants(b, event.schema, event.table, event.type)) continue;
      if (b.filters.length > 0 && (event.type === 'TRUNCATE' || !matches(b.filters, row(), event.columns))) continue;
      ids ??= [];
      if (!ids.includes(b.id)) ids.push(b.id);
      if (b.select) select = [...new Set([...(select ?? []), ...b.select])];
      else selectAll = true;
    }
    if (ids) out.push({ sub, ids, select: selectAll ? null : select });
  }
  return out;
}
