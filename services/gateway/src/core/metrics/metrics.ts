// The series the core moves; app.ts backs them with prom-client (realtime_* names, docs/METRICS.md).
import type { Vsn } from '@realtime/protocol';
import type { LimitName } from '../limits/global-limits.ts';

export interface Counter { inc(n?: number): void }
export interface Gauge extends Counter { dec(n?: number): void; set(n: number): void }
export interface Histogram { observe(value: number): void }

/**
 * A tenant's counts under the reference's per-tenant names (realtime_channel_*,
 * realtime_connections_connected): plain numbers bumped on hot paths (every frame in and out),
 * turned into series only when /metrics is scraped. Callers keep the object (one per connection)
 * instead of looking it up per frame.
 */
export interface TenantTally {
  /** Sockets open on this gateway. */
  connections: number;
  /** Join attempts that passed the tenant checks (counted before the join limits). */
  joins: number;
  /** Broadcasts the tenant's clients published here (socket and REST). */
  events: number;
  /** Presence track/untrack messages received, and presence_diff messages delivered. */
  presenceEvents: number;
  /** Postgres changes delivered to the tenant's channels. */
  dbEvents: number;
  /** Frame bytes received on the tenant's sockets (string length for text frames). */
  inputBytes: number;
  /** Frame bytes sent to the tenant's sockets (string length for text frames). */
  outputBytes: number;
}

export function newTally(): TenantTally {
  return { connections: 0, joins: 0, events: 0, presenceEvents: 0, dbEvents: 0, inputBytes: 0, outputBytes: 0 };
}

export type PayloadType = 'broadcast' | 'presence';

export interface GatewayMetrics {
  /** The tenant's tally, created on first use and kept (its counters never go back). */
  tenant(externalId: string): TenantTally;
  connections: Gauge;
  tenantsConnected: Gauge;
  joins: Counter;
  eventsIn: Counter;
  eventsOut: Counter;
  malformedFrames: Counter;
  changesIn: Counter;
  /** Inbound payload sizes (bytes): broadcasts (socket, REST) and presence tracks. */
  payloadSize: { observe(bytes: number, tenant: string, type: PayloadType): void };
  /** A join answered: `ok`, or `error` with the code it was refused with. */
  channelJoined: { ok(): void; error(tenant: string, code: string): void };
  /** The connect checks of one WebSocket upgrade (seconds) and their result. */
  socketConnected: { observe(result: 'ok' | 'error', vsn: Vsn, seconds: number): void };
  /** A broadcast handed to this gateway's fan-out: `hit` when the tenant has a socket here. */
  fanoutDelivery: { inc(hit: boolean): void };
  /** One replay query of a join (seconds). */
  replay: { observe(tenant: string, seconds: number): void };
  /** One RLS visibility check of a batch (seconds), whatever the number of identities. */
  rlsCheck: Histogram;
  /** One private-channel policy check (seconds). */
  authorizationCheck: { observe(kind: 'read' | 'write', seconds: number, tenant: string): void };
  /** A join, connect, message or track refused by a limit. */
  rateLimited: { inc(limit: LimitName | 'client_presence'): void };
  /** Broadcasts in and frames out per tenant. */
  tenantEvents: { inc(tenant: string, direction: 'in' | 'out', n?: number): void };
  /** Bytes of REST bodies in flight (reserved before reading). */
  restInflightBytes: Gauge;
  /** REST requests refused because the in-flight budget was spent. */
  restBusy: Counter;
  /** Socket broadcasts refused before publishing: a field too long for the binary frame. */
  broadcastsRefused: { inc(reason: 'topic_too_long' | 'event_too_long'): void };
  /** Postgres changes not delivered: the tenant's queue was full or its database failed. */
  changesDropped: Counter;
  /** Postgres changes and database broadcasts consumed and dropped while a tenant's events limit is tripped. */
  rateLimitedDropped: { inc(kind: 'postgres_changes' | 'db_broadcast', n?: number): void };
  /** Bytes of changes held per tenant, queued or being checked (tenant-labelled). */
  changesQueueBytes: { set(tenant: string, bytes: number): void };
  /** Tenant database queries or checkouts cut by a timeout. */
  tenantDbTimeouts: Counter;
  /** Presence leaves whose send failed: sent again later, finally sent, or given up. */
  presenceLeaveRetries: { inc(outcome: 'retried' | 'sent' | 'dropped'): void };
  /** Sockets disconnected because their outgoing buffer passed GATEWAY_MAX_BUFFERED_BYTES. */
  slowClientsDisconnected: Counter;
  /** Inbound frames dropped: over the socket's frame rate, or its frame queue full. */
  inboundFramesDropped: { inc(reason: 'rate' | 'queue' | 'tenant_rate'): void };
  /** Sockets closed by the gateway for flooding frames or for having no channel. */
  socketsClosed: { inc(reason: 'frame_flood' | 'no_channels'): void };
  /** Recoveries on rejoin by stream and result (docs/PROTOCOL.md §11). */
  recoveries: { inc(stream: RecoveryStreamName, result: string): void };
  /** Frames sent by recoveries. */
  recoveredFrames: { inc(stream: RecoveryStreamName, n: number): void };
  /** One recovery, the wait for a slot included (seconds). */
  recoveryDuration: { observe(stream: RecoveryStreamName, seconds: number): void };
}

export type RecoveryStreamName = 'broadcast' | 'postgres_changes';

const noop = { inc() {}, dec() {}, set() {}, observe() {}, ok() {}, error() {} };
export const noMetrics: GatewayMetrics = {
  tenant: () => newTally(),
  channelJoined: noop, replay: noop, socketConnected: noop, fanoutDelivery: noop,
  connections: noop, tenantsConnected: noop, joins: noop, eventsIn: noop, eventsOut: noop, malformedFrames: noop, changesIn: noop,
  payloadSize: noop, rlsCheck: noop, authorizationCheck: noop, rateLimited: noop, tenantEvents: noop,
  restInflightBytes: noop, restBusy: noop,
  broadcastsRefused: noop,
  changesDropped: noop, rateLimitedDropped: noop, changesQueueBytes: noop, tenantDbTimeouts: noop,
  presenceLeaveRetries: noop,
  slowClientsDisconnected: noop, inboundFramesDropped: noop, socketsClosed: noop,
  recoveries: noop, recoveredFrames: noop, recoveryDuration: noop,
};

/** Times `work` into `observe` (seconds). */
export async function timed<T>(observe: (seconds: number) => void, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    observe((performance.now() - start) / 1000);
  }
}
