// Routes one inbound frame to its handler by event (style.md §12: a table, one file per event).
// A malformed frame is logged with its code and dropped; the socket stays open (spec §1.4).
import { ErrorCodes } from '@realtime/errors';
import type { Message } from '@realtime/protocol';
import type { Gateway } from '../gateway.ts';
import type { Connection } from '../connection.ts';
import type { Channel } from '../channel.ts';
import { join } from './join.ts';
import { leave } from './leave.ts';
import { broadcast, userBroadcastPush } from './broadcast.ts';
import { accessToken } from './access-token.ts';
import { presence } from './presence.ts';

export type ChannelHandler = (g: Gateway, channel: Channel, msg: Message) => void | Promise<void>;

const channelHandlers: Record<string, ChannelHandler> = {
  phx_leave: leave,
  broadcast,
  access_token: accessToken,
  presence,
};

export async function dispatch(g: Gateway, conn: Connection, frame: string | Uint8Array): Promise<void> {
  const decoded = conn.wire.decode(frame);
  if (decoded.type === 'error') {
    g.deps.metrics.malformedFrames.inc();
    g.deps.log.warn({ code: ErrorCodes.MalformedWebSocketMessage, tenant: conn.tenantId, reason: decoded.reason }, 'malformed frame dropped');
    return;
  }
  if (decoded.type === 'user_broadcast_push') {
    const channel = conn.channels.get(decoded.push.topic);
    if (!channel) return conn.reply(decoded.push.topic, decoded.push.joinRef, decoded.push.ref, 'error', { reason: 'unmatched topic' });
    return userBroadcastPush(g, channel, decoded.push);
  }
  const msg = decoded.message;
  if (msg.topic === 'phoenix') {
    if (msg.event === 'heartbeat') conn.reply('phoenix', msg.joinRef, msg.ref, 'ok', {});
    return;
  }
  if (msg.event === 'phx_join') return join(g, conn, msg);
  const channel = conn.channels.get(msg.topic);
  if (!channel) return conn.reply(msg.topic, msg.joinRef, msg.ref, 'error', { reason: 'unmatched topic' });
  const handler = channelHandlers[msg.event];
  if (handler) return handler(g, channel, msg);
  g.deps.log.debug({ tenant: conn.tenantId, event: msg.event }, 'unhandled channel event');
}
