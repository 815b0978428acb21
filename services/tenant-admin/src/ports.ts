// What the tenant-admin core needs from the outside, declared by the core (docs/STYLE.md §2).
import type { TenantRow, TenantWrite } from './core/tenant.ts';
import type { TenantSnapshot } from './core/snapshot.ts';
import type { ChangeEvent } from '@realtime/schemas';
import type { ReplayRange } from '@realtime/replay/range';
import type { UsageSample } from './core/connected-users.ts';
import type { VerifyReport } from '@realtime/replay';

/** The control DB. Every mutating call commits the tenant change and an outbox row together. */
export interface TenantStore {
  list(): Promise<TenantRow[]>;
  /** How many tenants exist (the unauthenticated /status page: one cheap query). */
  count(): Promise<number>;
  get(externalId: string): Promise<TenantRow | null>;
  /**
   * With the tenant locked (it may not exist yet), `decide` sees the stored row and returns the row
   * to write or a rejection; a rejection rolls back and is handed back as is.
   */
  upsert<R>(externalId: string, decide: (existing: TenantRow | null) => { write: TenantWrite } | { reject: R }):
    Promise<{ created: boolean; row: TenantRow } | { reject: R }>;
  /** Deletes the tenant (extensions cascade); an outbox row is written even if it did not exist. */
  delete(externalId: string): Promise<void>;
  /** Bumps reload_seq or shutdown_seq (and version); false when the tenant does not exist. */
  bump(externalId: string, counter: 'reload' | 'shutdown'): Promise<boolean>;
  /** Records how many tenant-database migrations a successful run left applied. */
  setMigrationsRan(externalId: string, count: number): Promise<void>;
}

export interface OutboxEntry {
  id: string;
  tenantExternalId: string;
}

/** The outbox as the relay sees it. Only one instance across the cluster holds the lease. */
export interface OutboxSource {
  /** Takes or confirms the relay lease; false while another instance holds it. */
  acquire(): Promise<boolean>;
  /** Oldest entries first. */
  next(limit: number): Promise<OutboxEntry[]>;
  load(externalId: string): Promise<TenantRow | null>;
  ack(ids: string[]): Promise<void>;
  /** Resolves when new entries are announced, or after `ms`. */
  wait(ms: number): Promise<void>;
  /** Gives up the lease and its connection (after an error, and on stop). */
  release(): Promise<void>;
}

export interface SnapshotRecord {
  key: string;
  /** null publishes a tombstone. */
  value: TenantSnapshot | null;
}

/** Publishes to realtime.tenants; resolves only once the broker has acknowledged every record. */
export interface SnapshotPublisher {
  publish(records: SnapshotRecord[]): Promise<void>;
}

export interface DbTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

/** What a health check found in the tenant database; `replicating` is false when it was unreachable. */
export interface TenantDbStatus {
  connected: boolean;
  /** A `supabase_realtime_replication_slot%` slot of this database is active (ingest-cdc streams it). */
  replicating: boolean;
}

/** Looks at a tenant database now: does it accept a connection, is its replication slot streamed. */
export interface TenantDbProbe {
  check(target: DbTarget): Promise<TenantDbStatus>;
}

/** A tenant's replication slot as its database reports it (GET /api/tenants/:id/replication). */
export interface ReplicationSlot {
  slot_name: string;
  active: boolean;
  /** WAL between the server's current position and what the slot's consumer confirmed. */
  lag_bytes: number | null;
  /** Postgres' flush_lag of the walsender (null when caught up, or when nobody streams the slot). */
  lag_seconds: number | null;
  confirmed_flush_lsn: string | null;
  /** Who streams it: the walsender's pid and client, and the application_name the worker set. */
  owner: { pid: number; application_name: string; client_addr: string | null; client_port: number | null; since: string | null } | null;
}

/** Reads the tenant's replication slots; rejects when the database cannot be reached or read. */
export interface TenantSlotReader {
  read(target: DbTarget): Promise<ReplicationSlot[]>;
}

/** A tenant's changes read back from realtime.cdc, bounded and in order (docs/ARCHITECTURE.md "Replay and audit"). */
export interface ChangeHistory {
  /** Resolves once reading has begun, so Kafka errors surface before an answer is started. */
  open(tenant: string, range: ReplayRange): Promise<ChangeStream>;
  /**
   * Recomputes the tenant's hash chain over the range and checks it against the signed checkpoints
   * (docs/ARCHITECTURE.md "Audit trail"). Absent when the deployment has no audit public key.
   */
  verify?(tenant: string, range: ReplayRange): Promise<VerifyReport>;
}

/** Iterate once; iterating to the end, or close(), releases the reader. */
export interface ChangeStream extends AsyncIterable<ChangeEvent> {
  close(): Promise<void>;
}

/** Keeps a tenant database's realtime.messages partitions around a given time (yesterday → +3 days). */
export interface MessagePartitions {
  ensure(target: DbTarget, at: Date): Promise<void>;
}

/** Users connected to a tenant across the cluster, from the gateways' usage reports (realtime.usage). */
export interface ConnectedUsers {
  /** Sockets with at least one joined channel (what max_concurrent_users counts), summed over gateways. */
  connected(tenant: string): number;
  /** Gateways heard from lately, and the users they report over all tenants (the /status page). */
  summary(): { gateways: number; users: number; tenants: number };
}

/** The latest usage report of each gateway per tenant, of the last few seconds (GET /api/cluster). */
export interface RecentUsage {
  fresh(): UsageSample[];
}

/** Which limits the ratelimiter throttles a tenant on at `now`. */
export interface Throttles {
  throttled(tenant: string, now: number): string[];
}

/** Records each committing consumer group is behind on each realtime topic. */
export interface ConsumerLagSource {
  read(): Promise<Array<{ group: string; topic: string; lag: number }>>;
}

export interface SlotStatus {
  slot: string;
  active: boolean;
  /** WAL bytes the slot has not confirmed yet; null when it never confirmed any. */
  lagBytes: number | null;
}

/** The realtime replication slots of a tenant database; rejects when the database cannot be asked. */
export interface ReplicationSlots {
  list(target: DbTarget): Promise<SlotStatus[]>;
}

/** Presence members per tenant, as presence-service keeps them (GET /api/cluster). */
export interface PresenceMembers {
  /** Tenants with members: their channels with presence and members over all of them. */
  count(): Promise<Array<{ tenant: string; channels: number; members: number }>>;
}
