// phx_leave: reply ok, then phx_close with ref = join_ref; unsubscribe() resolves 'ok' (docs/PROTOCOL.md §3.4).
import { closeMessage, type Message } from '@realtime/protocol';
import type { GatewayContext } from '../context/context.ts';
import type { Channel } from '../channels/connection.ts';

export function leave(g: GatewayContext, channel: Channel, msg: Message): void {
  const { conn } = channel;
  g.removeChannel(channel);
  conn.reply(channel.topic, msg.joinRef, msg.ref, 'ok', {});
  conn.send(conn.wire.encode(closeMessage(channel.topic, channel.joinRef)));
}
