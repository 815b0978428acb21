// One joined channel of one connection: its topic, join_ref, options from the join payload, and
// the token that authorises it (the connect token unless the join or a refresh gave another).
import type { Claims } from './jwt.ts';
import type { Connection } from './connection.ts';
import type { Identity, PolicyExtension } from '../ports.ts';
import type { ChannelPresence } from './presence/hub.ts';
import { channelKey } from './registry.ts';
import type { XHeaders } from './x-headers.ts';

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
}

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

/** The channel's identity for the tenant database: JWT role (anon when absent) and claims. */
export function identityOf(claims: Claims, headers?: XHeaders): Identity {
  const role = typeof claims.role === 'string' ? claims.role : 'anon';
  return headers ? { role, claims, headers } : { role, claims };
}

const flexibleBool = (value: unknown, fallback: boolean): boolean =>
  value === true || value === 'true' ? true : value === false || value === 'false' ? false : fallback;

/** docs/PROTOCOL.md §3.2: an invalid join payload never fails the join; unknown keys are ignored. */
export function parseJoinOptions(payload: unknown, tenantPresenceEnabled: boolean): JoinOptions {
  const config = (isObject(payload) && isObject(payload.config) ? payload.config : {}) as Record<string, unknown>;
  const broadcast = isObject(config.broadcast) ? config.broadcast : {};
  const presence = isObject(config.presence) ? config.presence : {};
  return {
    private: flexibleBool(config.private, false),
    self: flexibleBool(broadcast.self, false),
    ack: flexibleBool(broadcast.ack, false),
    presenceEnabled: flexibleBool(presence.enabled, false) || tenantPresenceEnabled,
    presenceKey: typeof presence.key === 'string' ? presence.key : '',
    replay: parseReplay(broadcast.replay),
    replicationReady: flexibleBool(broadcast.replication_ready, false),
  };
}

const REPLAY_DEFAULT_LIMIT = 10;
const REPLAY_MAX_LIMIT = 25;

function parseReplay(value: unknown): JoinOptions['replay'] {
  if (!isObject(value)) return null;
  const since = Number(value.since);
  if (!Number.isFinite(since)) return null;
  const limit = Number(value.limit ?? REPLAY_DEFAULT_LIMIT);
  return { since, limit: Math.max(1, Math.min(Number.isFinite(limit) ? Math.floor(limit) : REPLAY_DEFAULT_LIMIT, REPLAY_MAX_LIMIT)) };
}

/** Channel token: access_token, else user_token, else the connect token; `sb_…` means the latter. */
export function joinToken(payload: unknown, connectToken: string): string {
  const p = isObject(payload) ? payload : {};
  const given = typeof p.access_token === 'string' ? p.access_token : typeof p.user_token === 'string' ? p.user_token : null;
  return given && !given.startsWith('sb_') ? given : connectToken;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
