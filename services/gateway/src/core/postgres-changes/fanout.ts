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
import type { TenantDatabase } from '../../ports.ts';
import type { Channel } from '../channels/connection.ts';
import type { Counter, Histogram, TenantTally } from '../metrics/metrics.ts';
import { ChangeDedupe } from './dedupe.ts';
import type { Binding } from './bindings.ts';
import { checkPending, changeFrame, match, roleOf, withPk, type Checked, type Pending, type Subscriber } from './batch.ts';
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
