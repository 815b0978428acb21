// What a join carries for its channel: options from the join payload (docs/PROTOCOL.md §3.2) and
// the channel token. The Channel class lives with its Connection (connection.ts): each refers to
// the other, so one file keeps them out of a circle.
import type { JoinOptions, RecoverRequest } from './connection.ts';
import { isObject } from '../base/is-object.ts';

const flexibleBool = (value: unknown, fallback: boolean): boolean =>
  value === true || value === 'true' ? true : value === false || value === 'false' ? false : fallback;

/** docs/PROTOCOL.md §3.2: an invalid join payload never fails the join; unknown keys are ignored. */
export function parseJoinOptions(payload: unknown, tenantPresenceEnabled: boolean): JoinOptions {
  const config = (isObject(payload) && isObject(payload.config) ? payload.config : {}) as Record<string, unknown>;
  const broadcast = isObject(config.broadcast) ? config.broadcast : {};
  const presence = isObject(config.presence) ? config.presence : {};
  const changesOptions = isObject(config.postgres_changes_options) ? config.postgres_changes_options : {};
  return {
    private: flexibleBool(config.private, false),
    self: flexibleBool(broadcast.self, false),
    ack: flexibleBool(broadcast.ack, false),
    presenceEnabled: flexibleBool(presence.enabled, false) || tenantPresenceEnabled,
    presenceKey: typeof presence.key === 'string' ? presence.key : '',
    replay: parseReplay(broadcast.replay),
    replicationReady: flexibleBool(broadcast.replication_ready, false),
    recoverBroadcasts: parseRecover(broadcast.recover),
    recoverChanges: parseRecover(changesOptions.recover),
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

/**
 * docs/PROTOCOL.md §11: absent, null or false = no recovery; `{}` or true = positions on, nothing
 * to read; `{ position }` wins over `{ since }` (ms epoch or ISO 8601); anything else is `invalid`.
 */
export function parseRecover(value: unknown): RecoverRequest | null {
  if (value === undefined || value === null || value === false || value === 'false') return null;
  if (value === true || value === 'true') return { kind: 'fresh' };
  if (!isObject(value)) return { kind: 'invalid' };
  if ('position' in value && value.position !== undefined && value.position !== null) {
    return typeof value.position === 'string' ? { kind: 'position', text: value.position } : { kind: 'invalid' };
  }
  if ('since' in value && value.since !== undefined && value.since !== null) {
    const ms = typeof value.since === 'number' ? value.since : typeof value.since === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value.since) ? Date.parse(value.since) : NaN;
    return Number.isFinite(ms) && ms >= 0 ? { kind: 'since', ms } : { kind: 'invalid' };
  }
  return { kind: 'fresh' };
}

/** Channel token: access_token, else user_token, else the connect token; `sb_…` means the latter. */
export function joinToken(payload: unknown, connectToken: string): string {
  const p = isObject(payload) ? payload : {};
  const given = typeof p.access_token === 'string' ? p.access_token : typeof p.user_token === 'string' ? p.user_token : null;
  return given && !given.startsWith('sb_') ? given : connectToken;
}
