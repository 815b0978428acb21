// access_token: a refreshed token for a joined channel (docs/PROTOCOL.md §3.6). Never replied to. Same token,
// null and `sb_…` keys are ignored; a token that fails verification shuts the channel down.
// Applying a token costs a verification and, for a private channel, a policy query on the
// tenant's database, so refreshes are applied at most once per ACCESS_TOKEN_THROTTLE_MS per
// channel (newer reference, docs/PROTOCOL.md): one inside the window is held (the newest replaces an older one) and applied
// when the window ends. The client sees nothing either way, as with an applied refresh.
// A refresh that changes the role checks the channel's postgres_changes bindings again for it.
import { ErrorCodes } from '@realtime/errors';
import type { Message } from '@realtime/protocol';
import type { GatewayContext } from '../context/context.ts';
import type { Channel } from '../channels/connection.ts';
import { identityOf } from '../auth/identity.ts';
import { isObject } from '../base/is-object.ts';
import { resubscribeChanges } from './postgres-changes.ts';
import { scheduleExpiry } from './token-expiry.ts';
import { recheckRead } from '../admission/channel-policies.ts';

export const ACCESS_TOKEN_THROTTLE_MS = 10_000;

interface Refreshes {
  /** When the last refresh was applied. */
  appliedAt: number;
  /** The newest refresh that came inside the window, applied when it ends. */
  held: string | null;
  /** The timer that applies `held`; cancelled with the channel. */
  timer: { cancel(): void } | null;
}

// Per channel, and gone with it: a channel holds at most one token and one timer here.
const refreshes = new WeakMap<Channel, Refreshes>();

export async function accessToken(g: GatewayContext, channel: Channel, msg: Message): Promise<void> {
  const token = isObject(msg.payload) ? msg.payload.access_token : undefined;
  if (typeof token !== 'string' || token.startsWith('sb_') || token === channel.token) return;
  const now = g.clock.now();
  const state = refreshes.get(channel);
  if (state && now - state.appliedAt < ACCESS_TOKEN_THROTTLE_MS) return hold(g, channel, state, token, now);
  if (state) state.appliedAt = now;
  else {
    const fresh: Refreshes = { appliedAt: now, held: null, timer: null };
    refreshes.set(channel, fresh);
    channel.cleanups.push(() => fresh.timer?.cancel()); // once per channel, not per window
  }
  await apply(g, channel, token);
}

function hold(g: GatewayContext, channel: Channel, state: Refreshes, token: string, now: number): void {
  const waiting = state.held !== null;
  state.held = token;
  if (waiting) return;
  g.log.info({ code: ErrorCodes.AccessTokenRefreshThrottled, tenant: channel.conn.tenantId, topic: channel.topic }, 'access_token refresh held until the throttle window ends');
  state.timer = g.clock.setTimeout(() => {
    const held = state.held;
    state.held = null;
    state.timer = null;
    state.appliedAt = g.clock.now();
    if (!held || held === channel.token || !joined(channel)) return;
    apply(g, channel, held).catch((err: unknown) => {
      g.log.warn({ code: ErrorCodes.UnknownErrorOnChannel, tenant: channel.conn.tenantId, err: String(err) }, 'held access_token not applied');
    });
  }, state.appliedAt + ACCESS_TOKEN_THROTTLE_MS - now);
}

async function apply(g: GatewayContext, channel: Channel, token: string): Promise<void> {
  const tenant = g.tenant(channel.conn.tenantId);
  if (!tenant) return;
  const verified = await g.verify(token, tenant);
  if (!joined(channel)) return; // left meanwhile
  if (!verified.ok) return g.shutdownChannel(channel, verified.failure.message);
  const previousRole = identityOf(channel.claims).role;
  channel.token = token;
  channel.claims = verified.claims;
  scheduleExpiry(g, channel, verified.exp);
  if (channel.options.private) {
    const refused = await recheckRead(g, channel);
    if (!joined(channel)) return;
    if (refused) return g.shutdownChannel(channel, refused);
  }
  // Fan-out already reads the claims live; what a role may filter on is checked at subscribe time.
  if (identityOf(channel.claims).role !== previousRole) resubscribeChanges(g, channel);
}

const joined = (channel: Channel): boolean => channel.conn.channels.get(channel.topic) === channel;
