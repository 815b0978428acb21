// Routes one inbound frame to its handler by event (docs/STYLE.md §12: a table, one file per event).
// A malformed frame is logged with its code and dropped; the socket stays open (docs/PROTOCOL.md §1.4). A
// handler that fails unexpectedly crashes its channel only (crash.ts: phx_error, then rejoin).
// Frames of a socket come here one at a time (Gateway.receive, given this router by app.ts).
// Broadcasts release the socket's queue at once: what is left of them after their checks is
// waiting for Kafka's ack, and holding the queue for it would cap a socket at one broadcast per
// Kafka round trip. Two broadcasts of a socket still reach local subscribers in order (their
// write check is one cached promise).
import { ErrorCodes } from '@realtime/errors';
import { ReplyReasons, type Message, type UserBroadcastPush } from '@realtime/protocol';
import type { Dispatch, GatewayContext } from '../context/context.ts';
import type { Channel, Connection } from '../channels/connection.ts';
import { guarded, guardedJoin } from './crash.ts';
import { countInbound } from '../admission/rates.ts';

export type ChannelHandler = (g: GatewayContext, channel: Channel, msg: Message) => void | Promise<void>;

/**
 * The handler of each client event: joins, binary user broadcasts, and the events of a joined
 * channel by name. app.ts builds it from the one-file-per-event handlers of this folder, so the
 * handlers sit above the gateway in the import graph instead of under it.
 */
export interface FrameHandlers {
  join(g: GatewayContext, conn: Connection, msg: Message, release: () => void): Promise<void>;
  userBroadcast(g: GatewayContext, channel: Channel, push: UserBroadcastPush): Promise<void>;
  channel: Readonly<Record<string, ChannelHandler>>;
}

const unordered = new Set(['broadcast']);

export const createDispatch = (handlers: FrameHandlers): Dispatch => async (g, conn, frame, release = () => {}) => {
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
    return guarded(g, channel, () => handlers.userBroadcast(g, channel, decoded.push));
  }
  const msg = decoded.message;
  if (msg.topic === 'phoenix') {
    if (msg.event === 'heartbeat') conn.reply('phoenix', msg.joinRef, msg.ref, 'ok', {});
    return;
  }
  if (msg.event === 'phx_join') return guardedJoin(g, conn, msg, () => handlers.join(g, conn, msg, release));
  const channel = conn.channels.get(msg.topic);
  if (!channel) return conn.reply(msg.topic, msg.joinRef, msg.ref, 'error', { reason: ReplyReasons.unmatchedTopic });
  const handler = handlers.channel[msg.event];
  if (unordered.has(msg.event)) release();
  if (handler) return guarded(g, channel, () => handler(g, channel, msg));
  g.log.debug({ tenant: conn.tenantId, event: msg.event }, 'unhandled channel event');
  const tenant = g.tenant(conn.tenantId);
  if (tenant) countInbound(g, tenant); // the reference counts an unknown event as a message too
};
