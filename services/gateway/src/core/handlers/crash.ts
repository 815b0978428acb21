// A channel whose handling fails unexpectedly crashes the way a Phoenix channel process does
// (docs/PROTOCOL.md §3.4): the server forgets it and sends `phx_error`, so the client reports CHANNEL_ERROR
// and rejoins. Staying silent would leave the client waiting for a reply until its timeout, with
// the channel half-alive on the server.
import { ErrorCodes, joinErrorReason } from '@realtime/errors';
import { errorMessage, type Message } from '@realtime/protocol';
import type { GatewayContext } from '../context/context.ts';
import type { Connection } from '../channels/connection.ts';
import type { Channel } from '../channels/connection.ts';

/** Runs one channel frame's handling; a throw or rejection crashes that channel only. */
export async function guarded(g: GatewayContext, channel: Channel, run: () => void | Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    crashChannel(g, channel, err);
  }
}

/**
 * A join that throws: a channel it already registered crashes; before that the join is answered
 * with the reference's bare reason, so the client's join does not time out.
 */
export async function guardedJoin(g: GatewayContext, conn: Connection, msg: Message, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    const channel = conn.channels.get(msg.topic);
    if (channel && channel.joinRef === msg.joinRef) return crashChannel(g, channel, err);
    g.log.error({ code: ErrorCodes.UnknownErrorOnChannel, tenant: conn.tenantId, topic: msg.topic, err: String(err) }, 'join failed unexpectedly');
    if (!conn.closed) conn.reply(msg.topic, msg.joinRef, msg.ref, 'error', { reason: joinErrorReason(ErrorCodes.UnknownErrorOnChannel) });
  }
}

function crashChannel(g: GatewayContext, channel: Channel, err: unknown): void {
  const { conn } = channel;
  g.log.error({ code: ErrorCodes.UnknownErrorOnChannel, tenant: conn.tenantId, topic: channel.topic, err: String(err) }, 'channel crashed');
  if (conn.channels.get(channel.topic) !== channel) return; // left or replaced meanwhile: nothing to tell
  g.removeChannel(channel);
  conn.send(conn.wire.encode(errorMessage(channel.topic, channel.joinRef)));
}
