// What the gateway core needs from the outside world. Adapters implement these; unit tests
// use in-memory fakes of them (never of ws, kafkajs or pg).
import type { Tenant } from './core/base/tenant.ts';
import type { OutboundBroadcast } from './core/base/broadcast-message.ts';
import type { Column } from './core/postgres-changes/column.ts';
import type { LogPosition } from './core/base/log-position.ts';
import type { PresenceChannel, Snapshot } from '@realtime/presence';
import type { ChangeEvent, PresenceCommand, PresenceDiff, UsageReport } from '@realtime/schemas';

/** One client WebSocket, as the core sees it (hocuspocus's WebSocketLike). */
export interface ClientSocket {
  readonly id: string;
  /** Bytes handed to send() and not yet written out: how far behind a reader is. O(1) to read. */
  readonly bufferedAmount: number;
  send(frame: string | Uint8Array): void;
  close(code: number, reason?: string): void;
}

/** Tenants as learned from realtime.tenants (event-carried state), secrets decrypted. */
export interface TenantDirectory {
  get(externalId: string): Tenant | undefined;
  /** Called after a tenant changed or was deleted (`next` undefined). */
  onChange(listener: (previous: Tenant | undefined, next: Tenant | undefined) => void): void;
}

/** Carries broadcasts to the other gateways. Local delivery never waits for it. */
export interface BroadcastBus {
  publish(message: OutboundBroadcast): Promise<void>;
  /**
   * Where the broadcasts of every gateway go, this one's included: the core drops its own
   * (Gateway.receiveRemote), in one place. The core sets it once, when it is built; what arrives
   * before has no local subscriber and is dropped. `at`: where the message sits in Kafka (its
   * recovery position, docs/PROTOCOL.md §11).
   */
  onMessage(handler: (message: OutboundBroadcast, at?: LogPosition) => void): void;
}

/**
 * The history of a stream in Kafka, for recovery on rejoin (docs/PROTOCOL.md §11): the one
 * partition holding a tenant's changes (realtime.cdc) or a channel's broadcasts (realtime.broadcast).
 * Reads use a consumer of their own, never the live fan-out readers.
 */
export interface RecoveryLog {
  changes(tenant: string): Promise<LogStream<ChangeEvent>>;
  broadcasts(tenant: string, isPrivate: boolean, topic: string): Promise<LogStream<OutboundBroadcast>>;
}

export interface LogStream<T> {
  readonly partition: number;
  /** low = earliest offset still kept; high = the next offset to be written (the end E). */
  bounds(): Promise<{ low: bigint; high: bigint }>;
  /** The first offset whose record timestamp is at or after `ms` (high if none). */
  offsetForTime(ms: number): Promise<bigint>;
  /**
   * Reads [start, end) in order. Records of other keys (other tenants, other channels on the same
   * partition) arrive with `value` null and `own` false, undecoded, so their bytes still count.
   * Rejects on timeout, abort or a Kafka failure (a RealtimeError).
   */
  read(start: bigint, end: bigint, onRecord: (r: LogRecord<T>) => void | 'stop' | Promise<void | 'stop'>, options: { signal: AbortSignal; timeoutMs: number }): Promise<void>;
}

export interface LogRecord<T> {
  offset: bigint;
  /** The record's key is this stream's (the tenant, or the channel). */
  own: boolean;
  /** Decoded when own; null for other keys, tombstones and undecodable records. */
  value: T | null;
  /** Key plus value bytes, for the scan bound. */
  bytes: number;
}

/** A table of the tenant database as Postgres Changes needs it. */
export interface TableInfo {
  schema: string;
  table: string;
  columns: Column[];
  /** Primary-key columns with their format_type() names, for typed key arrays. */
  pk: Column[];
  /** Row level security enabled (relrowsecurity). */
  rls: boolean;
}

/** Whose eyes a query runs with: the JWT `role` as the Postgres role, the claims as request.jwt.claims. */
export interface Identity {
  role: string;
  claims: Record<string, unknown>;
  /** The caller's x- headers, set as request.headers for private-channel policies (docs/PROTOCOL.md §7). */
  headers?: Readonly<Record<string, string>>;
}

/** Rows of one table, identified by primary key values (text, in `TableInfo.pk` order). */
export interface RowKeys {
  schema: string;
  table: string;
  pk: Column[];
  keys: Array<Array<string | null>>;
  /** Transactions (32-bit xids) of the changes: the check waits until they are visible. */
  xids?: number[];
}

/**
 * A tenant's own database, asked by the gateway for what only it knows: which tables are published,
 * what rows and columns an identity may see, and the channel policies on realtime.messages.
 * Errors are RealtimeErrors with catalog codes (UnableToConnectToProject, …).
 */
export interface TenantDatabase {
  /** Tables of the tenant's publication matching schema and table ('*' = any). */
  publishedTables(schema: string, table: string): Promise<TableInfo[]>;
  /** One table, or null if it does not exist. Cached briefly. */
  table(schema: string, table: string): Promise<TableInfo | null>;
  /** Columns of the table the role may SELECT (column privileges). Cached briefly. */
  selectableColumns(schema: string, table: string, role: string): Promise<Set<string>>;
  /** For each identity, the indexes into `rows.keys` of the rows it may SELECT now (RLS). */
  visibleRows(rows: RowKeys, who: Identity[]): Promise<Array<Set<number>>>;
  /** Private channels: the extensions of `topic` the identity may read (policies on realtime.messages). */
  channelRead(topic: string, who: Identity, extensions: PolicyExtension[]): Promise<Set<PolicyExtension>>;
  /** Private channels: may the identity send (broadcast) or track (presence) on `topic`? */
  channelWrite(topic: string, who: Identity, extension: PolicyExtension): Promise<boolean>;
  /**
   * Is the tenant's replication established: its replication slot active in this database, i.e. an
   * ingest-cdc worker streams it (docs/PROTOCOL.md §3.5 `broadcast.replication_ready`)?
   */
  replicationActive(): Promise<boolean>;
  /** Stored private broadcasts of `topic` since `sinceMs`, oldest first, at most `limit` (docs/PROTOCOL.md §4 replay). */
  storedBroadcasts(topic: string, sinceMs: number, limit: number): Promise<StoredBroadcast[]>;
}

export interface StoredBroadcast {
  id: string;
  event: string;
  /** JSON text of `payload`, or null when the row carries `binary_payload`. */
  payloadJson: string | null;
  binary: Uint8Array | null;
}

export type PolicyExtension = 'broadcast' | 'presence';

export interface TenantDatabases {
  /** null when the tenant has no database settings. */
  get(tenant: Tenant): TenantDatabase | null;
  /** The tenant is gone: close its connections and forget it (else every tenant ever seen stays). */
  release?(tenantId: string): void;
  close(): Promise<void>;
}

/** Presence through presence-service: commands out (Kafka), snapshots and liveness in Redis. */
export interface PresenceBackend {
  send(command: PresenceCommand): Promise<void>;
  snapshot(channel: PresenceChannel): Promise<Snapshot>;
  /** Renews this node's liveness key; returns the current epoch of the presence state. */
  heartbeat(node: string): Promise<Heartbeat>;
  /** Where presence_diff events go; set once by the core when it is built (dropped before). */
  onDiff(handler: (diff: PresenceDiff) => void): void;
}

export interface Heartbeat {
  epoch: string;
  /** The liveness key was gone before this renewal (expired while Redis was unreachable, or lost
   *  in a failover): presence-service may have removed this node's members (NODE_DOWN). */
  lapsed: boolean;
}

/** Where this gateway's per-tenant usage goes (realtime.usage, for the ratelimiter). */
export interface UsageSink {
  report(reports: UsageReport[]): Promise<void>;
}

// The clock lives in a file of its own (core/base/clock.ts) so that counters can use it without the
// rest of the ports; it is one of them all the same.
export { systemClock, type Clock } from './core/base/clock.ts';
