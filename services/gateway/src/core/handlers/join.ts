// phx_join as a pipeline of checks in the reference's order (docs/PROTOCOL.md §3.3). Every error reply waits
// CHANNEL_ERROR_BACKOFF_MS; too-many-joins and tenant-not-found then close the socket with 1001.
// The gateway hands a socket's frames over one at a time, but the socket can still close during
// any await: after each one the join goes on only if the socket is open and the channel current.
import { ErrorCodes } from '@realtime/errors';
import { closeMessage, ReplyReasons, type Message } from '@realtime/protocol';
import type { GatewayContext } from '../context/context.ts';
import type { Connection } from '../channels/connection.ts';
import { Channel } from '../channels/connection.ts';
import { joinToken, parseJoinOptions } from '../channels/join-options.ts';
import { checkRead } from '../admission/channel-policies.ts';
import { firstRefusal, joinsUnderLimit, refusal, step, tenantEnabled, usersUnderLimit, type Refusal } from '../admission/steps.ts';
import { joinPayloadProblem } from '../channels/join-payload.ts';
import { fetchReplay, pushReplay, rememberReplayed } from '../broadcast/replay.ts';
import { timed } from '../metrics/metrics.ts';
import type { StoredBroadcast } from '../../ports.ts';
import { scheduleExpiry } from './token-expiry.ts';
import { watchReplicationReady } from '../broadcast/replication-ready.ts';
import { changesRequest, joinReplyPayload, subscribeChanges, waitForChanges } from './postgres-changes.ts';

interface JoinRefusal extends Refusal {
  /** Too many joins and tenant not found close the socket after the reply (1001). */
  closeSocket?: boolean;
}

/**
 * `release` lets the socket's next frames go on while this join only waits: through the error
 * backoff and the postgres_changes `wait` (up to 20 s), the socket must not stall.
 */
export async function join(g: GatewayContext, conn: Connection, msg: Message, release: () => void = () => {}): Promise<void> {
  if (!msg.topic.startsWith('realtime:')) return conn.reply(msg.topic, msg.joinRef, msg.ref, 'error', { reason: ReplyReasons.unmatchedTopic });

  const previous = conn.channels.get(msg.topic);
  if (previous) {
    // A second join on a joined topic replaces the old channel (docs/PROTOCOL.md §3.4).
    g.removeChannel(previous);
    conn.send(conn.wire.encode(closeMessage(previous.topic, previous.joinRef)));
  }

  const result = await admit(g, conn, msg);
  if (conn.closed) return; // nothing was registered yet: the channel is simply dropped
  if ('code' in result) {
    g.log.info({ code: result.code, tenant: conn.tenantId, topic: msg.topic }, 'join refused');
    g.metrics.channelJoined.error(conn.tenantId, result.code);
    release();
    await delay(g.channelErrorBackoffMs);
    if (conn.closed) return;
    conn.reply(msg.topic, msg.joinRef, msg.ref, 'error', { reason: result.reason ?? `${result.code}: ${result.message}` });
    if (result.closeSocket) {
      g.detach(conn);
      conn.socket.close(1001, result.code);
    }
    return;
  }
  const changes = changesRequest(msg.payload, result.subtopic);
  // docs/PROTOCOL.md §11: seams in place before the channel can receive its first live frame.
  g.recovery.prepare(result);
  const replayed = replays.get(result);
  if (replayed) rememberReplayed(g, result, replayed); // before its first live frame (replay.ts)
  if (changes.raw.length === 0) result.recoverChanges = null; // no bindings: nothing to recover
  g.addChannel(result);
  if (changes.raw.length > 0 && changes.waitMs !== null) {
    release();
    const outcome = await waitForChanges(g, result, changes, changes.waitMs);
    if (conn.channels.get(msg.topic) !== result) return; // closed meanwhile: detach removed it
    if (typeof outcome === 'string') {
      g.metrics.channelJoined.error(conn.tenantId, outcome.split(':')[0]!);
      g.removeChannel(result);
      return conn.reply(msg.topic, msg.joinRef, msg.ref, 'error', { reason: outcome });
    }
    accepted(g, conn, msg, result, joinReplyPayload(changes));
    outcome();
    return recoverChanges(g, result);
  }
  accepted(g, conn, msg, result, joinReplyPayload(changes));
  if (changes.raw.length > 0) {
    // finally: the seam must open whatever the subscription's outcome, or live changes stay held
    void subscribeChanges(g, result, changes).then((report) => report()).finally(() => void recoverChanges(g, result));
  }
}

/** After the subscription is registered (its live changes queue in the seam), what the channel missed. */
function recoverChanges(g: GatewayContext, channel: Channel): Promise<void> {
  return channel.recoverChanges ? g.recovery.start(channel, 'postgres_changes') : Promise.resolve();
}

/** Stored messages fetched during admission, pushed right after the reply. */
const replays = new WeakMap<Channel, StoredBroadcast[]>();

function accepted(g: GatewayContext, conn: Connection, msg: Message, channel: Channel, reply: unknown): void {
  g.metrics.joins.inc();
  g.metrics.channelJoined.ok();
  conn.reply(msg.topic, msg.joinRef, msg.ref, 'ok', reply);
  const replayed = replays.get(channel);
  if (replayed) pushReplay(g, channel, replayed);
  scheduleExpiry(g, channel, channel.claims.exp as number);
  if (channel.options.presenceEnabled) void g.presence.enable(channel);
  if (channel.options.replicationReady) watchReplicationReady(g, channel);
  if (channel.recoverBroadcasts) void g.recovery.start(channel, 'broadcast');
}

async function admit(g: GatewayContext, conn: Connection, msg: Message): Promise<Channel | JoinRefusal> {
  if (msg.topic === 'realtime:') return refusal(ErrorCodes.TopicNameRequired);
  const tenant = g.tenant(conn.tenantId);
  if (!tenant) return { ...refusal(ErrorCodes.TenantNotFound), closeSocket: true };
  const options = parseJoinOptions(msg.payload, tenant.presenceEnabled);
  const { limits } = tenant;
  const token = joinToken(msg.payload, conn.token);
  let channel: Channel | null = null;
  const refused = await firstRefusal([
    step('tenant enabled', () => tenantEnabled(tenant)),
    step('private only', () => (tenant.privateOnly && !options.private ? refusal(ErrorCodes.PrivateOnly) : null)),
    step('count the join', () => {
      g.usage.count(tenant.externalId, 'joins');
      conn.tally.joins++;
      return null;
    }),
    // A socket that already has a channel is a user already.
    step('users under limit', () => (conn.channels.size === 0 ? usersUnderLimit(g, tenant, g.concurrentUsers(tenant.externalId)) : null)),
    step('joins under limit', () => {
      const refused = joinsUnderLimit(g, tenant, !g.limits.tryJoin(tenant.externalId, limits.maxJoinsPerSecond), ErrorCodes.ClientJoinRateLimitReached);
      return refused && { ...refused, closeSocket: true };
    }),
    step('channels under limit', () => (conn.channels.size >= limits.maxChannelsPerClient ? refusal(ErrorCodes.ChannelRateLimitReached) : null)),
    step('payload logged if invalid', () => {
      // Logged only past the join limits, so a flood of bad joins costs no more log lines than joins.
      const problem = joinPayloadProblem(msg.payload);
      if (problem) g.log.info({ code: ErrorCodes.InvalidJoinPayload, tenant: tenant.externalId, topic: msg.topic, problem }, 'join payload invalid; defaults used');
      return null;
    }),
    step('token valid', async () => {
      const verified = await g.verify(token, tenant);
      if (!verified.ok) return refusal(verified.failure.code, verified.failure.message);
      if (!Number.isInteger(verified.exp)) return refusal(ErrorCodes.InvalidJWTToken, 'Token expiration time is invalid');
      channel = new Channel(conn, msg.topic, msg.joinRef, options, token, verified.claims);
      return null;
    }),
    step('read policy', async () => {
      if (!options.private || !channel) return null;
      const read = await checkRead(g, tenant, channel.subtopic, channel.claims, conn.headers, options.presenceEnabled);
      if (!read.ok) return { code: read.code, message: '', reason: read.reason };
      for (const e of read.read) channel.policies.read.add(e);
      return null;
    }),
    step('replay fetched', async () => {
      if (!options.replay || !channel) return null;
      const ready = channel;
      const replay = await timed((s) => g.metrics.replay.observe(tenant.externalId, s), () => fetchReplay(g, tenant, ready));
      if (!replay.ok) return { code: ErrorCodes.UnableToReplayMessages, message: '', reason: replay.reason };
      replays.set(ready, replay.rows);
      return null;
    }),
  ]);
  return refused ?? channel!;
}

const delay = (ms: number) => (ms > 0 ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve());
