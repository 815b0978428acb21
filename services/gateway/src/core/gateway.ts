// The transport-free gateway: connections, channels, tenant drains. Its parts: the broadcast
// fan-out (broadcast/fanout.ts), the socket books (channels/tenant-sockets.ts) and the sockets it
// closes on its own (channels/socket-guards.ts). Transports (transport/ws.ts, transport/http.ts)
// call into it; adapters feed it tenants and remote broadcasts.
import type { Logger } from '@realtime/log';
import { ErrorCodes } from '@realtime/errors';
import type { BroadcastBus, ClientSocket, Clock, PresenceBackend, RecoveryLog, TenantDatabases, TenantDirectory } from '../ports.ts';
import { closeMessage, type Vsn } from '@realtime/protocol';
import type { OutboundBroadcast } from './base/broadcast-message.ts';
import { changesLimited } from './admission/rates.ts';
import { Connection, type Channel } from './channels/connection.ts';
import { ChannelRegistry } from './channels/registry.ts';
import { TenantSockets } from './channels/tenant-sockets.ts';
import { armReaper, closeSocket, dropSlowReader } from './channels/socket-guards.ts';
import { BroadcastFanout } from './broadcast/fanout.ts';
import { requiresDrain, type Tenant } from './base/tenant.ts';
import { verifyToken, type Claims, type Verified } from './auth/jwt.ts';
import { answerHeartbeat } from './channels/heartbeat.ts';
import { disconnectWithNotice, RESTART_CLOSE_CODE } from './channels/restart-drain.ts';
import { LocalLimits } from './limits/local-limits.ts';
import type { GatewayMetrics } from './metrics/metrics.ts';
import { ChangeFanout } from './postgres-changes/fanout.ts';
import { databaseMoved } from './postgres-changes/dedupe.ts';
import { PresenceHub } from './presence/hub.ts';
import { GlobalLimits, type LimitName, type Throttle } from './limits/global-limits.ts';
import { UsageMeter } from './limits/usage.ts';
import { defaultSocketLimits, type SocketLimits } from './channels/socket-limits.ts';
import { NO_HEADERS, type XHeaders } from './base/x-headers.ts';
import type { Dispatch, GatewayContext } from './context/context.ts';
import type { LogPosition } from './base/log-position.ts';
import { Recoveries, type RecoverySettings } from './recovery/recoveries.ts';
import { readChangeHistory } from './recovery/changes.ts';

export interface GatewayDeps {
  nodeId: string;
  tenants: TenantDirectory;
  bus: BroadcastBus;
  databases: TenantDatabases;
  presence: PresenceBackend;
  clock: Clock;
  log: Logger;
  metrics: GatewayMetrics;
  claimValidators: Record<string, unknown>;
  /** The frame router (core/handlers/index.ts), given by app.ts: the handlers import the context, never the gateway. */
  dispatch: Dispatch;
  channelErrorBackoffMs: number;
  /** Bound of one tenant's Postgres changes queue on this gateway (bytes). */
  changesQueueBytes?: number;
  /** Bound of all tenants' Postgres changes queues on this gateway together (bytes). */
  changesTotalQueueBytes?: number;
  /** Per-socket bounds (outgoing buffer, inbound rate and queue, no-channel timeout). */
  socketLimits?: SocketLimits;
  /** How long a `broadcast.replication_ready` join waits for the tenant's replication (docs/PROTOCOL.md §3.5; default 60 s). */
  replicationReadyTimeoutMs?: number;
  /** Inbound bytes per second of all a tenant's sockets on this gateway together (parsing is the cost). */
  tenantInboundBytesPerSecond?: number;
  /** Kafka history for recovery on rejoin (docs/PROTOCOL.md §11); without it recoveries are `unavailable`. */
  recoveryLog?: RecoveryLog;
  recovery?: RecoverySettings;
}

const DEFAULT_CHANGES_QUEUE_BYTES = 16 * 1024 * 1024;
const DEFAULT_CHANGES_TOTAL_QUEUE_BYTES = 256 * 1024 * 1024;
const DEFAULT_TENANT_INBOUND_BYTES_PER_SECOND = 16_000_000;

export { SLOW_READER_MESSAGE } from './channels/socket-guards.ts';

export class Gateway implements GatewayContext {
  readonly deps: GatewayDeps;
  readonly registry = new ChannelRegistry();
  readonly limits: LocalLimits;
  readonly changes: ChangeFanout;
  readonly presence: PresenceHub;
  readonly global = new GlobalLimits();
  readonly usage: UsageMeter;
  readonly recovery: Recoveries;
  readonly #sockets: TenantSockets;
  readonly #broadcasts: BroadcastFanout;

  constructor(deps: GatewayDeps) {
    this.deps = deps;
    this.limits = new LocalLimits(deps.clock);
    this.usage = new UsageMeter(deps.clock.now());
    this.#sockets = new TenantSockets(() => deps.tenantInboundBytesPerSecond ?? DEFAULT_TENANT_INBOUND_BYTES_PER_SECOND);
    this.changes = new ChangeFanout({
      database: (id) => {
        const tenant = this.tenant(id);
        return tenant ? deps.databases.get(tenant) : null;
      },
      shutdown: (channel, message) => this.shutdownChannel(channel, message),
      rateLimited: (id) => {
        const tenant = this.tenant(id);
        return tenant ? changesLimited(this, tenant) : false;
      },
      delivered: (id, n) => {
        const tenant = this.tenant(id);
        if (tenant) this.limits.count('db_events', id, tenant.limits.maxEventsPerSecond, n);
      },
      maxQueueBytes: deps.changesQueueBytes ?? DEFAULT_CHANGES_QUEUE_BYTES,
      maxTotalQueueBytes: deps.changesTotalQueueBytes ?? DEFAULT_CHANGES_TOTAL_QUEUE_BYTES,
      log: deps.log,
      metrics: deps.metrics,
    });
    this.presence = new PresenceHub({ node: deps.nodeId, backend: deps.presence, clock: deps.clock, log: deps.log, onDiff: (n, tenant) => this.#presenceDelivered(n, tenant), onLeaveRetry: (o) => deps.metrics.presenceLeaveRetries.inc(o) });
    // The bus and the presence backend are wired here, once: remote broadcasts and presence diffs
    // that arrived before had no local subscriber.
    this.recovery = new Recoveries({
      log: deps.log, metrics: deps.metrics, clock: deps.clock, databases: deps.databases, changes: this.changes, usage: this.usage, limits: this.limits,
      tenant: (id) => this.tenant(id), readChanges: readChangeHistory,
    }, deps.recoveryLog ?? null, deps.recovery);
    this.#broadcasts = new BroadcastFanout(this, deps.bus, this.recovery.ownSends);
    deps.bus.onMessage((message, at) => this.receiveRemote(message, at));
    deps.presence.onDiff((diff) => this.presence.receive(diff));
    deps.tenants.onChange((prev, next) => {
      if (prev && requiresDrain(prev, next)) this.drainTenant(prev.externalId);
      if (prev && databaseMoved(prev.db, next?.db ?? null)) this.changes.databaseChanged(prev.externalId);
      // deleted, or shut down (its pools open again on next use)
      if (prev && (!next || next.shutdownSeq !== prev.shutdownSeq)) deps.databases.release?.(prev.externalId);
    });
  }

  // The ports of GatewayContext: handlers reach them here, never through `deps`.
  get nodeId(): string {
    return this.deps.nodeId;
  }
  get log(): Logger {
    return this.deps.log;
  }
  get metrics(): GatewayMetrics {
    return this.deps.metrics;
  }
  get clock(): Clock {
    return this.deps.clock;
  }
  get databases(): TenantDatabases {
    return this.deps.databases;
  }
  get channelErrorBackoffMs(): number {
    return this.deps.channelErrorBackoffMs;
  }
  get replicationReadyTimeoutMs(): number | undefined {
    return this.deps.replicationReadyTimeoutMs;
  }

  #presenceDelivered(diffs: number, tenant: string): void {
    this.deps.metrics.eventsOut.inc(diffs);
    if (diffs > 0) this.deps.metrics.tenant(tenant).presenceEvents += diffs; // the reference counts presence_diff deliveries too
  }

  tenant(id: string): Tenant | undefined {
    return this.deps.tenants.get(id);
  }

  verify(token: string | null | undefined, tenant: Tenant): Promise<Verified> {
    return verifyToken(token, tenant, { claimValidators: this.deps.claimValidators, nowMs: this.deps.clock.now() });
  }

  attach(socket: ClientSocket, tenantId: string, vsn: Vsn, token: string, claims: Claims, headers: XHeaders = NO_HEADERS): Connection {
    const conn = new Connection(socket, tenantId, vsn, token, claims, this.deps.socketLimits ?? defaultSocketLimits, headers);
    conn.onSlowReader = (c) => dropSlowReader(this, c);
    armReaper(this, conn);
    this.#sockets.add(conn);
    conn.tally = this.deps.metrics.tenant(tenantId);
    conn.tally.connections++;
    this.deps.metrics.connections.inc();
    this.deps.metrics.tenantsConnected.set(this.#sockets.tenantCount());
    return conn;
  }

  detach(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    conn.reaper?.cancel();
    conn.reaper = null;
    for (const channel of conn.channels.values()) this.removeChannel(channel);
    this.#sockets.delete(conn);
    conn.tally.connections--;
    this.deps.metrics.connections.dec();
    this.deps.metrics.tenantsConnected.set(this.#sockets.tenantCount());
  }

  /**
   * Frames of one socket are handled in order, one at a time, so a join's awaits never interleave
   * with the socket's next frames. Never rejects: one bad frame must not stop the ones after it.
   */
  receive(conn: Connection, frame: string | Uint8Array): Promise<void> {
    if (conn.closed) return Promise.resolve();
    const size = typeof frame === 'string' ? frame.length : frame.byteLength;
    conn.tally.inputBytes += size;
    const now = this.deps.clock.now();
    const verdict = conn.rate.admit(now, size);
    if (verdict !== 'ok') {
      this.deps.metrics.inboundFramesDropped.inc('rate');
      if (verdict === 'close') closeSocket(this, conn, 1008, 'too many frames per second', 'frame_flood');
      return Promise.resolve();
    }
    if (answerHeartbeat(conn, frame)) return Promise.resolve();
    // Per socket is not enough: a tenant's anon key opens as many sockets as it likes, so the
    // parsing all of them may cause together is bounded too (the overflow is that tenant's loss).
    if (this.#sockets.inboundRate(conn.tenantId).admit(now, size) !== 'ok') {
      this.deps.metrics.inboundFramesDropped.inc('tenant_rate');
      return Promise.resolve();
    }
    const handled = conn.inbound.run(size, (release) => (conn.closed ? undefined : this.deps.dispatch(this, conn, frame, release)));
    if (!handled) {
      this.deps.metrics.inboundFramesDropped.inc('queue');
      this.deps.log.warn({ code: ErrorCodes.UnknownErrorOnWebSocketMessage, tenant: conn.tenantId, pending: conn.inbound.pending }, 'frame dropped: too many frames waiting');
      return Promise.resolve();
    }
    return handled.catch((err: unknown) => this.deps.log.error({ code: ErrorCodes.UnknownErrorOnWebSocketMessage, tenant: conn.tenantId, err: String(err) }, 'frame handling failed'));
  }

  /** The tenant's sockets on this gateway: users (with a channel, docs/PROTOCOL.md §9) and idle ones (without). */
  socketCounts(tenantId: string): { users: number; idle: number } {
    return this.#sockets.socketCounts(tenantId);
  }

  /** Users = sockets of the tenant with at least one channel (docs/PROTOCOL.md §9). */
  concurrentUsers(tenantId: string): number {
    return this.socketCounts(tenantId).users;
  }

  /** The ratelimiter's throttle of this tenant's limit, if one is in force. */
  throttled(tenantId: string, limit: LimitName): Throttle | null {
    return this.global.throttled(tenantId, limit, this.deps.clock.now());
  }

  /** Users and channels per tenant right now (the gauges of a usage report). */
  usageGauges(): Map<string, { connections: number; channels: number }> {
    return this.#sockets.usageGauges();
  }

  addChannel(channel: Channel): void {
    channel.conn.channels.set(channel.topic, channel);
    this.registry.add(channel);
    channel.conn.reaper?.cancel();
    channel.conn.reaper = null;
  }

  removeChannel(channel: Channel): void {
    channel.expiry?.cancel();
    channel.expiry = null;
    for (const cleanup of channel.cleanups.splice(0)) cleanup();
    this.changes.unsubscribe(channel);
    this.presence.remove(channel);
    if (channel.conn.channels.get(channel.topic) === channel) channel.conn.channels.delete(channel.topic);
    this.registry.remove(channel);
    if (!channel.conn.closed && channel.conn.channels.size === 0) armReaper(this, channel.conn);
  }

  /** Server-side stop: `system` error then `phx_close`; the client does not rejoin (docs/PROTOCOL.md §3.5). */
  shutdownChannel(channel: Channel, message: string): void {
    channel.conn.push(channel, 'system', { extension: 'system', status: 'error', message, channel: channel.subtopic });
    channel.conn.send(channel.conn.wire.encode(closeMessage(channel.topic, channel.joinRef)));
    this.removeChannel(channel);
  }

  /** Broadcast fan-out (broadcast/fanout.ts): local subscribers at once, then the bus. */
  async publish(message: OutboundBroadcast, sender?: Channel): Promise<void> {
    this.#broadcasts.publish(message, sender);
  }

  /** A broadcast from the bus (broadcast/fanout.ts: our own are dropped unless a channel recovers). */
  receiveRemote(message: OutboundBroadcast, at?: LogPosition): void {
    this.#broadcasts.receiveRemote(message, at);
  }

  fanOut(message: OutboundBroadcast, sender?: Channel, at?: LogPosition): void {
    this.#broadcasts.fanOut(message, sender, at);
  }

  hasSockets(tenantId: string): boolean {
    return this.#sockets.has(tenantId);
  }

  /** docs/PROTOCOL.md §2: tenant deleted, reloaded or its auth changed: every socket gets 1012. */
  drainTenant(tenantId: string): void {
    const conns = this.#sockets.of(tenantId);
    for (const conn of conns) disconnectWithNotice(this, conn, 'Server requested disconnect', RESTART_CLOSE_CODE, 'tenant changed');
    if (conns.length) this.deps.log.info({ tenant: tenantId, sockets: conns.length }, 'tenant drained');
  }

  /** Every open connection, for a restart drain that closes them a few at a time (channels/restart-drain.ts). */
  openConnections(): Connection[] {
    return this.#sockets.all();
  }

  /**
   * Process shutdown: every socket is closed at once (1001, so clients reconnect to another
   * gateway), which is why no join can meet the reference's RealtimeRestarting reply here.
   */
  closeAll(code = 1001): void {
    const conns = this.#sockets.all();
    if (conns.length) this.deps.log.info({ code: ErrorCodes.RealtimeRestarting, sockets: conns.length, closeCode: code }, 'gateway shutting down: closing every socket');
    for (const conn of conns) {
      this.detach(conn);
      conn.socket.close(code, 'server shutting down');
    }
  }
}
