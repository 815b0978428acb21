// Routes one inbound frame to its handler by event (docs/STYLE.md §12: a table, one file per event).
// A malformed frame is logged with its code and dropped; the socket stays open (docs/PROTOCOL.md §1.4). A
// handler that fails unexpectedly crashes its channel only (crash.ts: phx_error, then rejoin).
// Frames of a socket come here one at a time (Gateway.receive). Broadcasts release the socket's
// queue at once: what is left of them after their checks is waiting for Kafka's ack, and holding
// the queue for it would cap a socket at one broadcast per Kafka round trip. Two broadcasts of a
// socket still reach local subscribers in order (their write check is one cached promise).
import { ErrorCodes } from '@realtime/errors';
import { ReplyReasons, type Message } from '@realtime/protocol';
import type { GatewayContext } from '../context.ts';
import type { Connection } from '../connection.ts';
import type { Channel } from '../channel.ts';
import { join } from './join.ts';
import { leave } from './leave.ts';
import { broadcast, userBroadcastPush } from './broadcast.ts';
import { accessToken } from './access-token.ts';
import { presence } from './presence.ts';
import { guarded, guardedJoin } from './crash.ts';
import { countInbound } from '../rates.ts';

export type ChannelHandler = (g: GatewayContext, channel: Channel, msg: Message) => void | Promise<void>;

const channelHandlers: Record<string, ChannelHandler> = {
  phx_leave: leave,
  broadcast,
  access_token: accessToken,
  presence,
};

const unordered = new Set(['broadcast']);

/**
 * Answers a heartbeat at once, ahead of the socket's queue: the client closes its socket when a
 * reply misses its next 25 s tick, and a queue may be held by joins that wait on a tenant
 * database. Only short text frames are looked at, so this costs nothing for the rest.
 */
export function answerHeartbeat(conn: Connection, frame: string | Uint8Array): boolean {
  if (typeof frame !== 'string' || frame.length > 128 || !frame.includes('heartbeat')) return false;
  const decoded = conn.wire.decode(frame);
  if (decoded.type !== 'message' || decoded.message.topic !== 'phoenix' || decoded.message.event !== 'heartbeat') return false;
  conn.reply('phoenix', decoded.message.joinRef, decoded.message.ref, 'ok', {});
  return true;
}

export async function dispatch(g: GatewayContext, conn: Connection, frame: string | Uint8Array, release: () => void = () => {}): Promise<void> {
  const decoded = conn.wire.decode(frame);
  if (decoded.type === 'error') {
    g.metrics.malformedFrames.inc();
    g.log.warn({ code: ErrorCodes.MalformedWebSocketMessage, tenant: conn.tenantId, reason: decoded.reason }, 'malformed frame dropped');
    return;
  }
  if (decoded.type === 'user_broadcast_push') {
    const channel = conn.channels.get(decoded.push.topic);
    if (!channel) return conn.reply(decoded.push.topic, decoded.push.joinRef, decoded.push.ref, 'error', { reason: ReplyReasons.unmatchedTopic });
    release();
    return guarded(g, channel, () => userBroadcastPush(g, channel, decoded.push));
  }
  const msg = decoded.message;
  if (msg.topic === 'phoenix') {
    if (msg.event === 'heartbeat') conn.reply('phoenix', msg.joinRef, msg.ref, 'ok', {});
    return;
  }
  if (msg.event === 'phx_join') return guardedJoin(g, conn, msg, () => join(g, conn, msg, release));
  const channel = conn.channels.get(msg.topic);
  if (!channel) return conn.reply(msg.topic, msg.joinRef, msg.ref, 'error', { reason: ReplyReasons.unmatchedTopic });
  const handler = channelHandlers[msg.event];
  if (unordered.has(msg.event)) release();
  if (handler) return guarded(g, channel, () => handler(g, channel, msg));
  g.log.debug({ tenant: conn.tenantId, event: msg.event }, 'unhandled channel event');
  const tenant = g.tenant(conn.tenantId);
  if (tenant) countInbound(g, tenant); // the reference counts an unknown event as a message too
}
