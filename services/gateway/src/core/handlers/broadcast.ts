// Client broadcasts (docs/PROTOCOL.md §4): 1.0.0 JSON `broadcast` events and 2.0.0 binary kind-3 pushes.
// Local subscribers are served at once; Kafka carries the message to the other gateways.
import { randomUUID } from 'node:crypto';
import type { Message, UserBroadcastPush } from '@realtime/protocol';
import type { GatewayContext } from '../context/context.ts';
import type { Channel } from '../channels/connection.ts';
import { isObject } from '../base/is-object.ts';
import { payloadTooLarge, type OutboundBroadcast } from '../base/broadcast-message.ts';
import { binaryFieldTooLong } from '@realtime/protocol';
import { mayWrite } from '../admission/channel-policies.ts';
import { ErrorCodes } from '@realtime/errors';
import { overRate } from '../admission/rates.ts';
import { messageOf } from '../base/messages.ts';

const encoder = new TextEncoder();

export function broadcast(g: GatewayContext, channel: Channel, msg: Message): Promise<void> {
  const p = isObject(msg.payload) ? msg.payload : {};
  const event = typeof p.event === 'string' ? p.event : '';
  const payload = encoder.encode(JSON.stringify(p.payload ?? {}));
  return accept(g, channel, msg.joinRef, msg.ref, { event, kind: 'json', encoding: 'json', payload });
}

// The decoder already refused kind-3 frames whose JSON payload does not parse.
export function userBroadcastPush(g: GatewayContext, channel: Channel, push: UserBroadcastPush): Promise<void> {
  return accept(g, channel, push.joinRef, push.ref, { event: push.event, kind: 'user', encoding: push.encoding, payload: push.payload });
}

type Body = Pick<OutboundBroadcast, 'event' | 'kind' | 'encoding' | 'payload'>;

async function accept(g: GatewayContext, channel: Channel, joinRef: string | null, ref: string | null, body: Body): Promise<void> {
  const { conn } = channel;
  const tenant = g.tenant(conn.tenantId);
  if (!tenant) return;
  g.metrics.eventsIn.inc();
  g.metrics.tenantEvents.inc(tenant.externalId, 'in');
  g.metrics.payloadSize.observe(body.payload.byteLength, tenant.externalId, 'broadcast');
  const ack = (status: 'ok' | 'error', response: unknown) => {
    if (channel.options.ack) conn.reply(channel.topic, joinRef, ref, status, response);
  };
  // The channel's topic passed the join, but a kind 4 frame must carry it with the event.
  const tooLong = binaryFieldTooLong({ topic: channel.subtopic, event: body.event });
  if (tooLong) {
    const reason = tooLong.field === 'topic' ? 'topic_too_long' : 'event_too_long';
    g.metrics.broadcastsRefused.inc(reason);
    g.log.info({ code: ErrorCodes.UnableToHandleBroadcast, tenant: tenant.externalId, reason, maxBytes: tooLong.maxBytes }, 'broadcast refused: field too long for the binary frame');
    return ack('error', { error: reason });
  }
  if (payloadTooLarge(body.payload.byteLength, tenant.limits.maxPayloadSizeInKb)) return ack('error', { error: 'payload_size_exceeded' });
  if (overRate(g, tenant, body.payload.byteLength)) {
    g.log.info({ code: ErrorCodes.MessagePerSecondRateLimitReached, tenant: tenant.externalId }, 'tenant over its message rate');
    return g.shutdownChannel(channel, messageOf(ErrorCodes.MessagePerSecondRateLimitReached));
  }
  // A denied private send is dropped; with ack the client hears why (newer reference, docs/PROTOCOL.md) instead of timing out.
  if (!(await mayWrite(g, channel, 'broadcast'))) return ack('error', { error: 'unauthorized' });
  const message: OutboundBroadcast = {
    ...body,
    id: randomUUID(),
    tenant: tenant.externalId,
    topic: channel.subtopic,
    private: channel.options.private,
    metaId: null,
    originNode: g.nodeId,
    sentAt: g.clock.now(),
  };
  await g.publish(message, channel);
  ack('ok', {});
}
