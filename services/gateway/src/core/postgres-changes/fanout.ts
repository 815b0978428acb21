// Postgres Changes fan-out on one gateway: ChangeEvents from realtime.cdc in, `postgres_changes`
// frames to exactly the subscribed channels allowed to see them out (docs/PROTOCOL.md §6, docs/ARCHITECTURE.md "RLS at
// scale").
//
// Per tenant, events are handled in commit order, in batches (whatever queued while the previous
// batch was being checked). For one batch:
//   1. match: each event against each subscriber's bindings and filters (pure, in memory);
//   2. RLS: for INSERT/UPDATE on RLS tables, one query per (table, role + claims) for all of the
//      batch's rows that identity would receive: cost grows with distinct identities, not with
//      subscribers; DELETE is never RLS-checked (as in the reference);
//   3. column privileges per (table, role), cached by the database adapter;
//   4. send, encoding each distinct frame once.
// Fail closed: if the tenant database cannot answer (statement timeout, unreachable), the batch's
// changes are not delivered, never delivered unchecked, and the channels that would have received
// them are shut down with the reference's "Realtime was unable to connect to the project database"
// (docs/PROTOCOL.md §3.5): they missed changes, and a closed channel tells the client so instead of a silent
// gap; the client decides when to join again. The same happens when a tenant's queue passes its
// byte bound (a stalled tenant): its changes are dropped for its subscribers, and receive() never
// waits, so the shared realtime.cdc consumer and every other tenant are unaffected.
import { errorDef, ErrorCodes } from '@realtime/errors';
import type { Logger } from '@realtime/log';
import type { ChangeEvent } from '@realtime/schemas';
import type { Identity, TableInfo, TenantDatabase } from '../../ports.ts';
import type { Channel } from '../channels/connection.ts';
import { identityOf } from '../auth/identity.ts';
import { timed, type Counter, type Histogram, type TenantTally } from '../metrics/metrics.ts';
import { ChangeDedupe } from './dedupe.ts';
import { bindingWants, type Binding } from './bindings.ts';
import { matches } from './matcher.ts';
import { changePayload } from './payload.ts';
import { legacyFrame } from './legacy.ts';
import { ByteBudget, TenantQueue } from './tenant-queue.ts';
import { positionText, type LogPosition } from '../base/log-position.ts';

export interface FanoutDeps {
  database(tenantId: string): TenantDatabase | null;
  /** Server-side stop of a channel (system error, then phx_close; docs/PROTOCOL.md §3.5). */
  shutdown(channel: Channel, message: string): void;
  /** True while the tenant's changes are to be consumed and dropped (its events limit is tripped). */
  rateLimited(tenantId: string): boolean;
  /** `n` change frames went to the tenant's channels (counted like the reference's db events). */
  delivered(tenantId: string, n: number): void;
  /** Bound of one tenant's queue (queued plus in-flight changes), in bytes. */
  maxQueueBytes: number;
  /** Bound of all tenants' queues together, in bytes. */
  maxTotalQueueBytes: number;
  log: Logger;
  metrics: {
    changesIn: Counter; eventsOut: Counter; rlsCheck: Histogram;
    /** The tenant's tally: changes delivered count as its db events. */
    tenant(externalId: string): TenantTally;
    /** Changes not delivered because the tenant's queue was full or its database failed. */
    changesDropped: Counter;
    rateLimitedDropped: { inc(kind: 'postgres_changes', n?: number): void };
    /** Bytes held per tenant (tenant-labelled). */
    changesQueueBytes: { set(tenant: string, bytes: number): void };
  };
}

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

const MAX_BATCH = 1000;
const DB_UNREACHABLE = errorDef(ErrorCodes.UnableToConnectToProject).message!;

export class ChangeFanout {
  readonly #deps: FanoutDeps;
  readonly #subscribers = new Map<string, Map<Channel, Subscriber>>();
  readonly #queues = new Map<string, TenantQueue>();
  readonly #dedupe = new ChangeDedupe();
  readonly #budget: ByteBudget;
  /** Where each queued event sits in realtime.cdc: the `ref` of frames to recovering channels. */
  readonly #positions = new WeakMap<ChangeEvent, LogPosition>();

  constructor(deps: FanoutDeps) {
    this.#deps = deps;
    this.#budget = new ByteBudget(deps.maxTotalQueueBytes);
  }

  subscribe(channel: Channel, bindings: Binding[], legacy = false): void {
    const tenant = channel.conn.tenantId;
    let subs = this.#subscribers.get(tenant);
    if (!subs) this.#subscribers.set(tenant, (subs = new Map()));
    subs.set(channel, { channel, bindings, legacy });
  }

  unsubscribe(channel: Channel): void {
    const subs = this.#subscribers.get(channel.conn.tenantId);
    if (!subs?.delete(channel)) return;
    if (subs.size === 0) this.#subscribers.delete(channel.conn.tenantId);
  }

  /** The channel's bindings as subscribed, for its recovery (core/recovery/changes.ts). */
  subscription(channel: Channel): Subscriber | undefined {
    return this.#subscribers.get(channel.conn.tenantId)?.get(channel);
  }

  subscriberCount(tenantId: string): number {
    return this.#subscribers.get(tenantId)?.size ?? 0;
  }

  /** The tenant's changes now come from another database, whose LSNs start over: forget the old ones. */
  databaseChanged(tenantId: string): void {
    this.#dedupe.forget(tenantId);
  }

  /** Queues one event and returns at once, whatever the state of the tenant's database. `at`: its place in realtime.cdc. */
  receive(event: ChangeEvent, at?: LogPosition): void {
    if (!this.#dedupe.accept(event)) return;
    if (at) this.#positions.set(event, at);
    this.#deps.metrics.changesIn.inc();
    const tenant = event.tenant;
    if (!this.#subscribers.has(tenant)) return; // nobody here listens to this tenant
    if (this.#deps.rateLimited(tenant)) return this.#deps.metrics.rateLimitedDropped.inc('postgres_changes'); // docs/PROTOCOL.md §6
    let queue = this.#queues.get(tenant);
    if (!queue) this.#queues.set(tenant, (queue = new TenantQueue(this.#deps.maxQueueBytes, this.#budget)));
    let offer = queue.offer(event);
    if (offer === 'gateway-full') {
      // The gateway's bound is shared: the tenant holding the most is the one that does not keep up.
      const [largest, held] = [...this.#queues].reduce((a, b) => (b[1].queuedBytes > a[1].queuedBytes ? b : a));
      if (largest !== tenant) this.#overflow(largest, held, 0);
      offer = largest === tenant ? offer : queue.offer(event);
    }
    if (offer !== 'queued') return this.#overflow(tenant, queue, 1);
    this.#deps.metrics.changesQueueBytes.set(tenant, queue.bytes);
    if (!queue.running) {
      // Start on the next turn so the rest of a Kafka fetch joins the batch (one RLS query for all).
      queue.running = true;
      setImmediate(() => void this.#drain(tenant, queue));
    }
  }

  /** Resolves when every queued event has been handled (tests, shutdown). */
  async idle(): Promise<void> {
    while ([...this.#queues.values()].some((q) => q.running)) await new Promise((r) => setTimeout(r, 5));
  }

  /** The tenant's database does not keep up: drop what waits and stop every channel that misses it. */
  #overflow(tenant: string, queue: TenantQueue, refused: number): void {
    const dropped = queue.clear() + refused;
    this.#deps.metrics.changesDropped.inc(dropped);
    this.#deps.metrics.changesQueueBytes.set(tenant, queue.bytes);
    const channels = [...(this.#subscribers.get(tenant)?.keys() ?? [])];
    this.#deps.log.warn({ code: ErrorCodes.UnableToBroadcastChanges, tenant, dropped, channels: channels.length }, 'tenant change queue full: changes dropped, channels shut down');
    this.#stop(tenant, channels);
  }

  #stop(tenant: string, channels: Iterable<Channel>): void {
    for (const channel of new Set(channels)) {
      this.unsubscribe(channel);
      if (!channel.conn.closed && channel.conn.channels.get(channel.topic) === channel) this.#deps.shutdown(channel, DB_UNREACHABLE);
    }
    // Nobody left to receive what waits: free it now, so a channel that joins again starts with
    // the changes committed after its join, not with a backlog it never asked for.
    const queue = this.#queues.get(tenant);
    if (queue && !this.#subscribers.has(tenant)) {
      this.#deps.metrics.changesDropped.inc(queue.clear());
      this.#deps.metrics.changesQueueBytes.set(tenant, queue.bytes);
    }
  }

  async #drain(tenant: string, queue: TenantQueue): Promise<void> {
    try {
      while (queue.length > 0) {
        const batch = queue.take(MAX_BATCH);
        try {
          await this.#deliver(tenant, batch);
        } catch (err) {
          const code = (err as { code?: string }).code ?? ErrorCodes.UnknownError;
          this.#deps.log.error({ code, tenant, changes: batch.length, err: String(err) }, 'postgres changes not delivered');
        } finally {
          queue.done();
          this.#deps.metrics.changesQueueBytes.set(tenant, queue.bytes);
        }
      }
    } finally {
      queue.running = false;
      if (queue.length === 0) this.#queues.delete(tenant);
    }
  }

  async #deliver(tenant: string, events: ChangeEvent[]): Promise<void> {
    const subs = this.#subscribers.get(tenant);
    if (!subs) return;
    const pending = events.map((event) => ({ event, deliveries: match(event, subs.values()) })).filter((p) => p.deliveries.length > 0);
    if (pending.length === 0) return;
    let checked: Checked;
    try {
      checked = await this.#check(tenant, pending);
    } catch (err) {
      // Fail closed, and loudly: every channel that would have received one of these changes stops.
      const code = (err as { code?: string }).code ?? ErrorCodes.UnknownError;
      this.#deps.metrics.changesDropped.inc(pending.length);
      const channels = pending.flatMap((p) => p.deliveries.map((d) => d.sub.channel));
      this.#deps.log.error({ code, tenant, changes: pending.length, err: String(err) }, 'postgres changes not delivered: channels shut down');
      return this.#stop(tenant, channels);
    }
    this.#send(tenant, pending, checked);
  }

  #check(tenant: string, pending: Pending[]): Promise<Checked> {
    return checkPending(this.#deps.database(tenant), pending, (s) => this.#deps.metrics.rlsCheck.observe(s));
  }

  #send(tenant: string, pending: Pending[], { tables, hidden, columns }: Checked): void {
    const subs = this.#subscribers.get(tenant);
    let sent = 0;
    for (const p of pending) {
      const e = p.event;
      const table = tables.get(`${e.schema}.${e.table}`) ?? null;
      const change = withPk(e, table);
      const at = this.#positions.get(e);
      const frames = new Map<string, string | Uint8Array>();
      for (const d of p.deliveries) {
        if (hidden.get(p)?.has(d.sub.channel)) continue;
        const channel = d.sub.channel;
        if (channel.conn.closed || !subs?.has(channel)) continue; // left, closed or shut down meanwhile
        // docs/PROTOCOL.md §11: a recovering channel's frames carry their position as `ref`.
        const recovering = at && channel.recoverChanges;
        const ref = recovering ? positionText('c', at) : null;
        const key = `${channel.conn.vsn}\u0000${d.sub.legacy}\u0000${channel.topic}\u0000${d.ids.join(',')}\u0000${roleOf(channel)}\u0000${d.select?.join(',') ?? ''}\u0000${ref}`;
        let frame = frames.get(key);
        if (frame === undefined) frames.set(key, (frame = changeFrame(d, change, table, columns, ref)));
        if (recovering) recovering.live(frame, at!.offset);
        else channel.conn.send(frame);
        sent++;
      }
    }
    this.#deps.metrics.eventsOut.inc(sent);
    this.#deps.metrics.tenant(tenant).dbEvents += sent;
    if (sent > 0) this.#deps.delivered(tenant, sent);
  }
}

export interface Checked {
  tables: Map<string, TableInfo | null>;
  hidden: Map<Pending, Set<Channel>>;
  columns: Map<string, Set<string>>;
}

const roleOf = (channel: Channel) => identityOf(channel.claims).role;

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
  const hidden = await timed(observeRls, () => rlsHidden(db, pending, tables));
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

/**
 * For each pending event, the channels RLS hides it from. Per table: one key list (the batch's
 * rows), checked for every distinct (role, claims) at once; the adapter does that in a few round
 * trips however many identities there are.
 */
export async function rlsHidden(db: TenantDatabase, pending: Pending[], tables: Map<string, TableInfo | null>): Promise<Map<Pending, Set<Channel>>> {
  type Group = { identity: Identity; items: Array<{ p: Pending; channel: Channel }> };
  const perTable = new Map<TableInfo, { events: Pending[]; groups: Map<string, Group> }>();
  for (const p of pending) {
    const table = tables.get(`${p.event.schema}.${p.event.table}`);
    if (!table?.rls || (p.event.type !== 'INSERT' && p.event.type !== 'UPDATE')) continue;
    let entry = perTable.get(table);
    if (!entry) perTable.set(table, (entry = { events: [], groups: new Map() }));
    entry.events.push(p);
    for (const d of p.deliveries) {
      const identity = identityOf(d.sub.channel.claims);
      const key = `${identity.role}\u0000${JSON.stringify(identity.claims)}`;
      let group = entry.groups.get(key);
      if (!group) entry.groups.set(key, (group = { identity, items: [] }));
      group.items.push({ p, channel: d.sub.channel });
    }
  }
  const hidden = new Map<Pending, Set<Channel>>();
  const hide = (p: Pending, channel: Channel) => {
    let set = hidden.get(p);
    if (!set) hidden.set(p, (set = new Set()));
    set.add(channel);
  };
  await Promise.all([...perTable].map(async ([table, { events, groups }]) => {
    const list = [...groups.values()];
    if (table.pk.length === 0) return list.forEach((g) => g.items.forEach((i) => hide(i.p, i.channel))); // nothing to look rows up by
    const index = new Map(events.map((p, i) => [p, i]));
    const keys = events.map((p) => {
      const row = JSON.parse(p.event.record_json ?? '{}') as Record<string, unknown>;
      return table.pk.map((c) => keyText(row[c.name], c.type));
    });
    const xids = events.map((p) => p.event.xid);
    const visible = await db.visibleRows({ schema: table.schema, table: table.table, pk: table.pk, keys, xids }, list.map((g) => g.identity));
    list.forEach((g, gi) => {
      for (const item of g.items) if (!visible[gi]!.has(index.get(item.p)!)) hide(item.p, item.channel);
    });
  }));
  return hidden;
}

/** A key value as Postgres reads it back from text: to_jsonb's JSON, strings unquoted. */
function keyText(value: unknown, type: string): string | null {
  if (value === null || value === undefined) return null;
  // Records carry bytea as bare hex (docs/PROTOCOL.md §6); cast back to bytea, the text needs its \x again.
  if (type === 'bytea' && typeof value === 'string') return `\\x${value}`;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
