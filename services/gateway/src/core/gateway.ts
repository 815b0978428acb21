// The transport-free gateway: connections, channels, local fan-out, tenant drains. Transports
// (transport/ws.ts, transport/http.ts) call into it; adapters feed it tenants and remote broadcasts.
import type { Logger } from '@realtime/log';
import { ErrorCodes } from '@realtime/errors';
import type { BroadcastBus, ClientSocket, Clock, PresenceBackend, RecoveryLog, TenantDatabases, TenantDirectory } from '../ports.ts';
import { closeMessage, type Vsn } from '@realtime/protocol';
import { fromDatabase, type OutboundBroadcast } from './base/broadcast-message.ts';
import { changesLimited, countDelivered, eventsThrottle } from './admission/rates.ts';
import type { Channel } from './channels/connection.ts';
import { Connection } from './channels/connection.ts';
import { ChannelRegistry, channelKey } from './channels/registry.ts';
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
import { defaultSocketLimits, FrameRate, type SocketLimits } from './channels/socket-limits.ts';
import { NO_HEADERS, type XHeaders } from './base/x-headers.ts';
import type { Dispatch, GatewayContext } from './context/context.ts';
import { messageOf } from './base/messages.ts';
import type { LogPosition } from './base/log-position.ts';
import { Recoveries, type RecoverySettings } from './recovery/recoveries.ts';
import { deliverOwnEcho, deliverPositioned } from './recovery/broadcasts.ts';
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

/** Shown to a slow reader on each of its channels before its socket closes (docs/PROTOCOL.md §3.5 shape). */
export const SLOW_READER_MESSAGE = 'Client is not reading its messages fast enough: outgoing buffer full';

export class Gateway implements GatewayContext {
  readonly deps: GatewayDeps;
  readonly registry = new ChannelRegistry();
  readonly limits: LocalLimits;
  readonly changes: ChangeFanout;
  readonly presence: PresenceHub;
  readonly global = new GlobalLimits();
  readonly usage: UsageMeter;
  readonly recovery: Recoveries;
  readonly #connections = new Map<string, Set<Connection>>();
  /** Per tenant with sockets here: its inbound bytes in the current second (see receive). */
  readonly #tenantInbound = new Map<string, FrameRate>();

  constructor(deps: GatewayDeps) {
    this.deps = deps;
    this.limits = new LocalLimits(deps.clock);
    this.usage = new UsageMeter(deps.clock.now());
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
    conn.onSlowReader = (c) => this.#dropSlowReader(c);
    this.#armReaper(conn);
    let set = this.#connections.get(tenantId);
    if (!set) this.#connections.set(tenantId, (set = new Set()));
    set.add(conn);
    conn.tally = this.deps.metrics.tenant(tenantId);
    conn.tally.connections++;
    this.deps.metrics.connections.inc();
    this.deps.metrics.tenantsConnected.set(this.#connectedTenants());
    return conn;
  }

  detach(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    conn.reaper?.cancel();
    conn.reaper = null;
    for (const channel of conn.channels.values()) this.removeChannel(channel);
    const set = this.#connections.get(conn.tenantId);
    set?.delete(conn);
    if (set?.size === 0) {
      this.#connections.delete(conn.tenantId);
      this.#tenantInbound.delete(conn.tenantId);
    }
    conn.tally.connections--;
    this.deps.metrics.connections.dec();
    this.deps.metrics.tenantsConnected.set(this.#connectedTenants());
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
      if (verdict === 'close') this.#closeSocket(conn, 1008, 'too many frames per second', 'frame_flood');
      return Promise.resolve();
    }
    if (answerHeartbeat(conn, frame)) return Promise.resolve();
    // Per socket is not enough: a tenant's anon key opens as many sockets as it likes, so the
    // parsing all of them may cause together is bounded too (the overflow is that tenant's loss).
    if (this.#tenantRate(conn.tenantId).admit(now, size) !== 'ok') {
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

  /** Past its outgoing bound: tell each channel why (best effort, past the bound), then close. */
  #dropSlowReader(conn: Connection): void {
    if (conn.closed) return;
    this.deps.metrics.slowClientsDisconnected.inc();
    this.deps.log.warn({ code: ErrorCodes.ChannelShutdown, tenant: conn.tenantId, buffered: conn.socket.bufferedAmount }, 'slow client disconnected');
    for (const channel of conn.channels.values()) {
      const payload = { extension: 'system', status: 'error', message: SLOW_READER_MESSAGE, channel: channel.subtopic };
      const frame = conn.wire.encode({ joinRef: channel.joinRef, ref: null, topic: channel.topic, event: 'system', payload });
      if (frame !== null) conn.socket.send(frame);
    }
    // No phx_close: the client reconnects and rejoins once it reads again.
    this.detach(conn);
    conn.socket.close(1013, 'slow client: outgoing buffer full');
  }

  #closeSocket(conn: Connection, code: number, reason: string, metric: 'frame_flood' | 'no_channels'): void {
    this.deps.metrics.socketsClosed.inc(metric);
    this.deps.log.info({ code: ErrorCodes.ChannelShutdown, tenant: conn.tenantId, reason }, 'socket closed');
    this.detach(conn);
    conn.socket.close(code, reason);
  }

  /** docs/PROTOCOL.md §2: a socket that stays without channels for the timeout is closed. */
  #armReaper(conn: Connection): void {
    conn.reaper?.cancel();
    conn.reaper = this.deps.clock.setTimeout(() => {
      conn.reaper = null;
      if (!conn.closed && conn.channels.size === 0) this.#closeSocket(conn, 1000, 'no channels', 'no_channels');
    }, conn.limits.noChannelTimeoutMs);
  }

  #tenantRate(tenantId: string): FrameRate {
    let rate = this.#tenantInbound.get(tenantId);
    if (!rate) {
      rate = new FrameRate(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, this.deps.tenantInboundBytesPerSecond ?? DEFAULT_TENANT_INBOUND_BYTES_PER_SECOND);
      this.#tenantInbound.set(tenantId, rate);
    }
    return rate;
  }

  #connectedTenants(): number {
    let n = 0;
    for (const set of this.#connections.values()) if (set.size > 0) n++;
    return n;
  }

  /** The tenant's sockets on this gateway: users (with a channel, docs/PROTOCOL.md §9) and idle ones (without). */
  socketCounts(tenantId: string): { users: number; idle: number } {
    let users = 0;
    let idle = 0;
    for (const conn of this.#connections.get(tenantId) ?? []) {
      if (conn.channels.size > 0) users++;
      else idle++;
    }
    return { users, idle };
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
    const gauges = new Map<string, { connections: number; channels: number }>();
    for (const [tenant, conns] of this.#connections) {
      let connections = 0;
      let channels = 0;
      for (const c of conns) {
        if (c.channels.size > 0) connections++;
        channels += c.channels.size;
      }
      gauges.set(tenant, { connections, channels });
    }
    return gauges;
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
    if (!channel.conn.closed && channel.conn.channels.size === 0) this.#armReaper(channel.conn);
  }

  /** Server-side stop: `system` error then `phx_close`; the client does not rejoin (docs/PROTOCOL.md §3.5). */
  shutdownChannel(channel: Channel, message: string): void {
    channel.conn.push(channel, 'system', { extension: 'system', status: 'error', message, channel: channel.subtopic });
    channel.conn.send(channel.conn.wire.encode(closeMessage(channel.topic, channel.joinRef)));
    this.removeChannel(channel);
  }

  /**
   * Delivers locally first, then hands the message to the bus for the other gateways without
   * waiting for it: while Kafka is slow or down a send lasts as long as the client retries, and
   * the sender's next frames, its ack and REST answers must not wait that long. The bus bounds
   * what it holds (kafka-broadcast-bus.ts); its failures are logged at most once a second.
   */
  async publish(message: OutboundBroadcast, sender?: Channel): Promise<void> {
    this.deps.metrics.tenant(message.tenant).events++;
    this.deps.metrics.fanoutDelivery.inc(this.#connections.has(message.tenant));
    this.fanOut(message, sender);
    // A recovering sender gets its own broadcasts from Kafka (self: false must still leave them out).
    if (sender?.recoverBroadcasts && !sender.options.self) this.recovery.ownSends.remember(message.id, sender);
    this.deps.bus.publish(message).catch((err: unknown) => this.#publishFailed(message.tenant, err));
  }

  #publishWarnedAt = -Infinity;
  #publishFailures = 0;
  #publishFailed(tenant: string, err: unknown): void {
    this.#publishFailures++;
    const now = this.deps.clock.now();
    if (now - this.#publishWarnedAt < 1000) return;
    this.deps.log.warn({ code: ErrorCodes.UnableToHandleBroadcast, tenant, failures: this.#publishFailures, err: String(err) }, 'broadcasts not published to other gateways');
    this.#publishWarnedAt = now;
    this.#publishFailures = 0;
  }

  /**
   * A broadcast from the bus. Our own come back through Kafka too and were delivered when sent:
   * this is the one place they are dropped (the bus hands over every gateway's), except for channels
   * joined with `broadcast.recover`: they get every broadcast from Kafka, in its order, with its
   * position `at` (docs/PROTOCOL.md §11).
   */
  receiveRemote(message: OutboundBroadcast, at?: LogPosition): void {
    if (message.originNode === this.deps.nodeId) {
      if (at) deliverOwnEcho(this, message, at, this.recovery.ownSends.take(message.id));
      return;
    }
    this.deps.metrics.fanoutDelivery.inc(this.#connections.has(message.tenant));
    this.fanOut(message, undefined, at);
  }

  fanOut(message: OutboundBroadcast, sender?: Channel, at?: LogPosition): void {
    const subscribers = this.registry.subscribers(channelKey(message.tenant, message.private, message.topic));
    if (!subscribers) return;
    const tenant = this.tenant(message.tenant);
    if (tenant && fromDatabase(message) && eventsThrottle(this, tenant)) {
      // docs/PROTOCOL.md §9: a database broadcast is consumed and dropped while the events limit is tripped
      this.deps.metrics.rateLimitedDropped.inc('db_broadcast');
      return;
    }
    const frames = new Map<Vsn, string | Uint8Array | null>();
    const receivers: Channel[] = [];
    for (const channel of subscribers) {
      if (channel.recoverBroadcasts !== null) {
        // Kafka order only: local sends reach it when they come back from Kafka, with their position.
        if (at && deliverPositioned(channel, message, at)) receivers.push(channel);
        continue;
      }
      if (channel === sender && !channel.options.self) continue;
      if (message.metaId && channel.replayedIds?.has(message.metaId)) continue; // replayed already
      const vsn = channel.conn.vsn;
      if (!frames.has(vsn)) frames.set(vsn, channel.conn.wire.encodeBroadcast(message, `realtime:${message.topic}`));
      const frame = frames.get(vsn) ?? null;
      if (frame !== null) {
        channel.conn.send(frame);
        receivers.push(channel);
      }
    }
    const delivered = receivers.length;
    this.deps.metrics.eventsOut.inc(delivered);
    if (delivered > 0) this.deps.metrics.tenantEvents.inc(message.tenant, 'out', delivered);
    this.usage.count(message.tenant, 'bytes_out', delivered * message.payload.byteLength);
    if (!tenant || delivered === 0) return;
    countDelivered(this, tenant, delivered);
    // The reference checks the limit in each channel that receives a frame: one that receives
    // while it is tripped shuts down (the frame itself was pushed).
    if (!eventsThrottle(this, tenant)) return;
    this.deps.log.info({ code: ErrorCodes.MessagePerSecondRateLimitReached, tenant: tenant.externalId }, 'tenant over its message rate: receiving channels shut down');
    for (const channel of receivers) {
      if (!channel.conn.closed && channel.conn.channels.get(channel.topic) === channel) this.shutdownChannel(channel, messageOf(ErrorCodes.MessagePerSecondRateLimitReached));
    }
  }

  /** docs/PROTOCOL.md §2: tenant deleted, reloaded or its auth changed: every socket gets 1012. */
  drainTenant(tenantId: string): void {
    const conns = [...(this.#connections.get(tenantId) ?? [])];
    for (const conn of conns) disconnectWithNotice(this, conn, 'Server requested disconnect', RESTART_CLOSE_CODE, 'tenant changed');
    if (conns.length) this.deps.log.info({ tenant: tenantId, sockets: conns.length }, 'tenant drained');
  }

  /** Every open connection, for a restart drain that closes them a few at a time (channels/restart-drain.ts). */
  openConnections(): Connection[] {
    return [...this.#connections.values()].flatMap((set) => [...set]);
  }

  /**
   * Process shutdown: every socket is closed at once (1001, so clients reconnect to another
   * gateway), which is why no join can meet the reference's RealtimeRestarting reply here.
   */
  closeAll(code = 1001): void {
    const sockets = [...this.#connections.values()].reduce((n, set) => n + set.size, 0);
    if (sockets) this.deps.log.info({ code: ErrorCodes.RealtimeRestarting, sockets, closeCode: code }, 'gateway shutting down: closing every socket');
    for (const set of this.#connections.values()) {
      for (const conn of [...set]) {
        this.detach(conn);
        conn.socket.close(code, 'server shutting down');
      }
    }
  }
}
