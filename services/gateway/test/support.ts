// In-memory fakes of the gateway's own ports, for unit tests of the core (docs/STYLE.md §1, §10).
import { createLogger } from '@realtime/log';
import { Writable } from 'node:stream';
import type { PresenceCommand, PresenceDiff } from '@realtime/schemas';
import { channelId, memberId, toState, type PresenceChannel, type StoredMember } from '@realtime/presence';
import type { BroadcastBus, ClientSocket, Clock, PresenceBackend, Identity, PolicyExtension, RowKeys, StoredBroadcast, TableInfo, TenantDatabase, TenantDatabases, TenantDirectory } from '../src/ports.ts';
import type { OutboundBroadcast } from '../src/core/base/broadcast-message.ts';
import { Gateway, type GatewayDeps } from '../src/core/gateway.ts';
import { createDispatch } from '../src/core/handlers/index.ts';
// The table production uses, from the composition root itself: one definition. Loading app.ts
// loads the Kafka, Postgres and Redis client modules but opens nothing. The table cannot sit lower
// (core/handlers/): a file importing join.ts is already at the import-depth limit
// (src/import-graph.test.ts), so only the root, app.ts, may hold it.
import { frameHandlers } from '../src/app.ts';
import { noMetrics } from '../src/core/metrics/metrics.ts';
import type { Tenant } from '../src/core/base/tenant.ts';
import type { LogPosition } from '../src/core/base/log-position.ts';

export class MemorySocket implements ClientSocket {
  readonly id: string;
  readonly frames: Array<string | Uint8Array> = [];
  closed: { code: number; reason?: string } | null = null;
  /** What a transport would still hold for this client; tests raise it to play a slow reader. */
  bufferedAmount = 0;
  constructor(id: string) { this.id = id; }
  send(frame: string | Uint8Array) { this.frames.push(frame); }
  close(code: number, reason?: string) { this.closed = { code, reason }; }
  /** Text frames decoded as JSON (2.0.0 arrays or 1.0.0 objects). */
  json(): unknown[] { return this.frames.filter((f): f is string => typeof f === 'string').map((f) => JSON.parse(f)); }
  binary(): Uint8Array[] { return this.frames.filter((f): f is Uint8Array => typeof f !== 'string'); }
}

export class MemoryTenants implements TenantDirectory {
  readonly #tenants = new Map<string, Tenant>();
  readonly #listeners: Array<(p: Tenant | undefined, n: Tenant | undefined) => void> = [];
  get(id: string) { return this.#tenants.get(id); }
  onChange(l: (p: Tenant | undefined, n: Tenant | undefined) => void) { this.#listeners.push(l); }
  put(t: Tenant | undefined, id = t?.externalId) {
    const prev = this.#tenants.get(id!);
    if (t) this.#tenants.set(id!, t); else this.#tenants.delete(id!);
    for (const l of this.#listeners) l(prev, t);
  }
}

export class MemoryBus implements BroadcastBus {
  readonly published: OutboundBroadcast[] = [];
  /** What the gateway gave the bus for incoming broadcasts; tests call it as Kafka would. */
  deliver: (m: OutboundBroadcast, at?: LogPosition) => void = () => {};
  async publish(m: OutboundBroadcast) { this.published.push(m); }
  onMessage(handler: (m: OutboundBroadcast, at?: LogPosition) => void) { this.deliver = handler; }
}

export class ManualClock implements Clock {
  t = 1_700_000_000_000;
  #timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  now() { return this.t; }
  setTimeout(fn: () => void, ms: number) {
    const timer = { at: this.t + ms, fn, live: true };
    this.#timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }
  /** Timers neither fired nor cancelled: what a closed socket must not leave behind. */
  liveTimers() { return this.#timers.filter((x) => x.live).length; }
  advance(ms: number) {
    this.t += ms;
    for (const timer of this.#timers.filter((x) => x.live && x.at <= this.t)) { timer.live = false; timer.fn(); }
  }
}

export function tenant(overrides: Partial<Tenant> = {}): Tenant {
  return {
    externalId: 'acme', id: '00000000-0000-0000-0000-000000000001', name: 'acme', jwtSecret: 'secret-of-acme-at-least-32-chars!!', jwks: null,
    limits: { maxConcurrentUsers: 200, maxEventsPerSecond: 100, maxJoinsPerSecond: 100, maxChannelsPerClient: 100, maxBytesPerSecond: 100_000,
      maxPresenceEventsPerSecond: 1000, maxPayloadSizeInKb: 3000, clientPresenceMaxCalls: 5, clientPresenceWindowMs: 30_000,
      maxRecoveryEvents: 10_000, maxRecoveryBytes: 16_777_216 },
    suspend: false, privateOnly: false, presenceEnabled: false, reloadSeq: 0, shutdownSeq: 0, db: null,
    ...overrides,
  };
}

/** A tenant database in memory: published tables with their rows, RLS as a predicate, column grants. */
export class MemoryTenantDatabase implements TenantDatabase {
  readonly tables = new Map<string, TableInfo & { rows: Array<Record<string, unknown>> }>();
  /** RLS policy of every table with rls on: may `who` see `row`? */
  policy: (who: Identity, row: Record<string, unknown>) => boolean = () => true;
  /** Columns a role may not SELECT, per table. */
  readonly revoked = new Map<string, Set<string>>();
  visibleRowsCalls = 0;
  down = false;

  addTable(t: Omit<TableInfo, 'schema'> & { schema?: string }) {
    this.tables.set(`${t.schema ?? 'public'}.${t.table}`, { schema: 'public', ...t, rows: [] });
  }
  async publishedTables(schema: string, table: string) {
    this.#check();
    return [...this.tables.values()].filter((t) => (schema === '*' || t.schema === schema) && (table === '*' || t.table === table));
  }
  async table(schema: string, table: string) {
    this.#check();
    return this.tables.get(`${schema}.${table}`) ?? null;
  }
  async selectableColumns(schema: string, table: string, role: string) {
    this.#check();
    const revoked = this.revoked.get(`${schema}.${table}.${role}`) ?? new Set();
    return new Set((this.tables.get(`${schema}.${table}`)?.columns ?? []).map((c) => c.name).filter((c) => !revoked.has(c)));
  }
  /** Identities asked, over all calls. */
  identitiesChecked = 0;
  async visibleRows(rows: RowKeys, who: Identity[]) {
    this.#check();
    this.visibleRowsCalls++;
    this.identitiesChecked += who.length;
    const t = this.tables.get(`${rows.schema}.${rows.table}`)!;
    return who.map((w) => {
      const out = new Set<number>();
      rows.keys.forEach((key, i) => {
        const row = t.rows.find((r) => rows.pk.every((c, j) => String(r[c.name]) === key[j]));
        if (row && this.policy(w, row)) out.add(i);
      });
      return out;
    });
  }
  /** Private channel policies: may `who` read / write `extension` of `topic`? */
  readPolicy: (topic: string, who: Identity, extension: PolicyExtension) => boolean = () => false;
  writePolicy: (topic: string, who: Identity, extension: PolicyExtension) => boolean = () => false;
  policyChecks = 0;
  async channelRead(topic: string, who: Identity, extensions: PolicyExtension[]) {
    this.#check();
    this.policyChecks++;
    return new Set(extensions.filter((e) => this.readPolicy(topic, who, e)));
  }
  async channelWrite(topic: string, who: Identity, extension: PolicyExtension) {
    this.#check();
    this.policyChecks++;
    return this.writePolicy(topic, who, extension);
  }
  /** Is the tenant's replication slot streaming? */
  replicating = true;
  replicationChecks = 0;
  async replicationActive() {
    this.#check();
    this.replicationChecks++;
    return this.replicating;
  }
  /** realtime.messages rows per topic, with their insert time (ms). */
  readonly stored = new Map<string, Array<StoredBroadcast & { at: number }>>();
  async storedBroadcasts(topic: string, sinceMs: number, limit: number) {
    this.#check();
    return (this.stored.get(topic) ?? []).filter((r) => r.at >= sinceMs).slice(-limit).map(({ at: _at, ...r }) => r);
  }
  #check() {
    if (this.down) throw Object.assign(new Error('connection refused'), { code: 'UnableToConnectToProject' });
  }
}

/** presence-service in memory: applies commands at once and hands the diffs to `deliver`. */
export class MemoryPresence implements PresenceBackend {
  readonly channels = new Map<string, Map<string, StoredMember>>();
  readonly commands: PresenceCommand[] = [];
  version = 0;
  epoch = 'e1';
  deliver: (diff: PresenceDiff) => void = () => {};
  onDiff(handler: (diff: PresenceDiff) => void) { this.deliver = handler; }
  async send(c: PresenceCommand) {
    this.commands.push(c);
    const id = channelId({ tenant: c.tenant, private: c.private, topic: c.topic });
    const members = this.channels.get(id) ?? new Map<string, StoredMember>();
    this.channels.set(id, members);
    const member = memberId(c.node, c.connection_id, c.join_ref);
    const old = members.get(member);
    const joins: Record<string, { metas: unknown[] }> = {};
    const leaves: Record<string, { metas: unknown[] }> = {};
    if (c.op === 'TRACK' || c.op === 'REASSERT') {
      const meta = { ...JSON.parse(c.meta_json!), phx_ref: c.phx_ref! };
      if (old && JSON.stringify(old.meta) === JSON.stringify(meta)) return;
      members.set(member, { key: c.key!, meta });
      joins[c.key!] = { metas: [old ? { ...meta, phx_ref_prev: old.meta.phx_ref } : meta] };
      if (old) leaves[old.key] = { metas: [old.meta] };
    } else if (old) {
      members.delete(member);
      leaves[old.key] = { metas: [old.meta] };
    } else return;
    this.deliver({ tenant: c.tenant, topic: c.topic, private: c.private, joins_json: JSON.stringify(joins), leaves_json: JSON.stringify(leaves), version: ++this.version, epoch: this.epoch, at: c.at });
  }
  async snapshot(c: PresenceChannel) {
    return { state: toState(this.channels.get(channelId(c)) ?? new Map()), version: this.version, epoch: this.epoch };
  }
  /** Set by a test: the next heartbeat finds this node's liveness key gone. */
  lapsed = false;
  async heartbeat() {
    const lapsed = this.lapsed;
    this.lapsed = false;
    return { epoch: this.epoch, lapsed };
  }
}

/** `deps` replaces any of the gateway's dependencies (per-tenant databases, metrics, bounds). */
export function testGateway(clock = new ManualClock(), db: TenantDatabase | null = null, presence = new MemoryPresence(), deps: Partial<GatewayDeps> = {}) {
  const databases: TenantDatabases = { get: () => db, close: async () => {} };
  const tenants = new MemoryTenants();
  const bus = new MemoryBus();
  const silent = new Writable({ write: (_c, _e, cb) => cb() });
  const gateway = new Gateway({
    nodeId: 'node-a', tenants, bus, clock, databases, presence, log: createLogger({ service: 'test', destination: silent }), metrics: noMetrics,
    claimValidators: {}, channelErrorBackoffMs: 0, dispatch: createDispatch(frameHandlers), ...deps,
  });
  return { gateway, tenants, bus, clock, presence };
}

/**
 * The tenant database the Postgres Changes tests share: `todos` without RLS and `notes` with RLS
 * whose policy shows a user only the rows it owns (`owner` = its `sub`).
 */
export function ownedTodosAndNotes(columns: TableInfo['columns']): MemoryTenantDatabase {
  const db = new MemoryTenantDatabase();
  db.addTable({ table: 'todos', columns, pk: [{ name: 'id', type: 'bigint' }], rls: false });
  db.addTable({ table: 'notes', columns, pk: [{ name: 'id', type: 'bigint' }], rls: true });
  db.policy = (who, row) => row.owner === who.claims.sub;
  return db;
}
