// One client socket (its tenant, connect token, wire version and joined channels) and one joined
// channel of it (its topic, join_ref, options from the join payload, and the token that authorises
// it: the connect token unless the join or a refresh gave another). Frames out go through the
// serializer of the socket's vsn, so the core never builds wire bytes itself.
import type { ClientSocket, PolicyExtension } from '../../ports.ts';
import type { Claims } from '../auth/jwt.ts';
import { channelKey } from './channel-key.ts';
import type { ChannelPresence } from './presence-state.ts';
import { NO_HEADERS, type XHeaders } from '../base/x-headers.ts';
import { wireFor, type Wire } from './wire.ts';
import { newTally, type TenantTally } from '../metrics/metrics.ts';
import type { Vsn } from '@realtime/protocol';
import type { RecoverRequest } from '../base/log-position.ts';
import { defaultSocketLimits, FrameQueue, FrameRate, type SocketLimits } from './socket-limits.ts';

export class Connection {
  readonly socket: ClientSocket;
  readonly tenantId: string;
  readonly vsn: Vsn;
  readonly wire: Wire;
  readonly token: string;
  readonly claims: Claims;
  /** x- headers of the upgrade request, for channel policies; fixed for the socket's life. */
  readonly headers: XHeaders;
  readonly channels = new Map<string, Channel>();
  closed = false;
  readonly limits: SocketLimits;
  /** Inbound frames, handled one at a time (joins re-check their state after each await). */
  readonly inbound: FrameQueue;
  readonly rate: FrameRate;
  /** Called once the socket's outgoing buffer passed `limits.maxBufferedBytes`. */
  onSlowReader: (conn: Connection) => void = () => {};
  /** The tenant's metric counts (the gateway's shared one once attached): bytes in and out. */
  tally: TenantTally = newTally();
  /** The close of a socket left without channels (docs/PROTOCOL.md §2), while armed. */
  reaper: { cancel(): void } | null = null;

  constructor(socket: ClientSocket, tenantId: string, vsn: Vsn, token: string, claims: Claims, limits: SocketLimits = defaultSocketLimits, headers: XHeaders = NO_HEADERS) {
    this.socket = socket;
    this.tenantId = tenantId;
    this.vsn = vsn;
    this.wire = wireFor(vsn);
    this.token = token;
    this.claims = claims;
    this.headers = headers;
    this.limits = limits;
    this.inbound = new FrameQueue(limits.maxPendingFrames, limits.maxPendingBytes);
    this.rate = new FrameRate(limits.maxFramesPerSecond, limits.floodSeconds, limits.maxInboundBytesPerSecond);
  }

  get id(): string {
    return this.socket.id;
  }

  /**
   * A frame that would take the socket's unsent bytes past the bound is not sent; the client is
   * a slow reader and goes away. One frame is always let through an empty buffer, so a single
   * large broadcast still reaches a reading client. The string length stands in for its UTF-8
   * size: measuring would cost O(frame) per socket of a fan-out.
   */
  send(frame: string | Uint8Array | null): void {
    if (frame === null || this.closed) return;
    const buffered = this.socket.bufferedAmount;
    const size = typeof frame === 'string' ? frame.length : frame.byteLength;
    if (buffered > 0 && buffered + size > this.limits.maxBufferedBytes) return this.onSlowReader(this);
    this.tally.outputBytes += size;
    this.socket.send(frame);
  }

  /** A reply to a client push: echoes its join_ref and ref (docs/PROTOCOL.md §1.4). */
  reply(topic: string, joinRef: string | null, ref: string | null, status: 'ok' | 'error', response: unknown): void {
    this.send(this.wire.encode({ joinRef, ref, topic, event: 'phx_reply', payload: { status, response } }));
  }

  /** A push from the channel process: carries the channel join_ref and ref null. */
  push(channel: Channel, event: string, payload: unknown): void {
    this.send(this.wire.encode({ joinRef: channel.joinRef, ref: null, topic: channel.topic, event, payload }));
  }
}

/** A stream of a recovering channel, as the live fan-outs see it (core/recovery/seam.ts implements it). */
export interface RecoveringStream {
  /** A live frame and the Kafka offset of its record: sent, queued while the history is read, or dropped when the recovery sent it. */
  live(frame: string | Uint8Array, offset: bigint): void;
}

export interface JoinOptions {
  private: boolean;
  self: boolean;
  ack: boolean;
  presenceEnabled: boolean;
  presenceKey: string;
  /** broadcast.replication_ready: tell the channel once the tenant's replication is established (docs/PROTOCOL.md §3.5). */
  replicationReady: boolean;
  /** broadcast.replay of a private channel: stored messages since `since` (ms), at most `limit`. */
  replay: { since: number; limit: number } | null;
  /** broadcast.recover: deliver from Kafka with positions, and what was missed after the point first. */
  recoverBroadcasts: RecoverRequest | null;
  /** postgres_changes_options.recover: the same for the channel's Postgres changes. */
  recoverChanges: RecoverRequest | null;
}

export type { RecoverRequest } from '../base/log-position.ts';

export class Channel {
  readonly conn: Connection;
  readonly topic: string;
  readonly subtopic: string;
  readonly joinRef: string | null;
  readonly options: JoinOptions;
  readonly key: string;
  token: string;
  claims: Claims;
  expiry: { cancel(): void } | null = null;
  /** Private channels: what the policies allowed, cached until the next access_token (docs/PROTOCOL.md §7). */
  readonly policies = { read: new Set<PolicyExtension>(), write: new Map<PolicyExtension, Promise<boolean>>() };
  /** ids of replayed messages: their live copies are not delivered again (docs/PROTOCOL.md §4 replay). */
  replayedIds: Set<string> | null = null;
  /** Presence of this channel once enabled (by the join, the tenant or a track). */
  presence: ChannelPresence | null = null;
  /** Run when the channel goes away (timers of retries, …). */
  readonly cleanups: Array<() => void> = [];
  /**
   * Joined with `broadcast.recover` / `postgres_changes_options.recover` (docs/PROTOCOL.md §11):
   * live frames of that stream go through it (core/recovery/seam.ts) instead of straight to the
   * socket. null for every other channel: the fan-outs test this one field per subscriber.
   */
  recoverBroadcasts: RecoveringStream | null = null;
  recoverChanges: RecoveringStream | null = null;

  constructor(conn: Connection, topic: string, joinRef: string | null, options: JoinOptions, token: string, claims: Claims) {
    this.conn = conn;
    this.topic = topic;
    this.subtopic = topic.slice('realtime:'.length);
    this.joinRef = joinRef;
    this.options = options;
    this.key = channelKey(conn.tenantId, options.private, this.subtopic);
    this.token = token;
    this.claims = claims;
  }
}
