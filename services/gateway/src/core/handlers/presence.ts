// `presence` pushes (docs/PROTOCOL.md §5): {type:"presence", event:"track"|"untrack", payload}. Replies ok, or
// an error for a non-map payload, an unknown event or a denied private write. Limits shut the
// channel down with the reference's messages: 5 presence messages per 30 s per channel (tenant
// override), the tenant's presence events per second, and the track size.
import type { Message } from '@realtime/protocol';
import { ErrorCodes, errorDef } from '@realtime/errors';
import type { GatewayContext } from '../context/context.ts';
import type { Channel } from '../channels/connection.ts';
import { isObject } from '../base/is-object.ts';
import { mayWrite } from '../admission/channel-policies.ts';
import { messageOf } from '../base/messages.ts';

export async function presence(g: GatewayContext, channel: Channel, msg: Message): Promise<void> {
  const { conn } = channel;
  const reply = (status: 'ok' | 'error', response: object) => conn.reply(channel.topic, msg.joinRef, msg.ref, status, response);
  const tenant = g.tenant(conn.tenantId);
  if (!tenant) return;
  const p = isObject(msg.payload) ? msg.payload : {};
  const event = typeof p.event === 'string' ? p.event.toLowerCase() : '';
  if (event !== 'track' && event !== 'untrack') {
    g.log.info({ code: ErrorCodes.UnknownPresenceEvent, tenant: tenant.externalId, event: event.slice(0, 32) }, 'unknown presence event');
    return reply('error', {});
  }

  const now = g.clock.now();
  if (!channel.presence) await g.presence.enable(channel); // a track enables presence (newer reference, docs/PROTOCOL.md)
  const state = channel.presence;
  if (!state) return; // left meanwhile
  const { clientPresenceMaxCalls, clientPresenceWindowMs, maxPresenceEventsPerSecond, maxPayloadSizeInKb } = tenant.limits;
  state.calls = state.calls.filter((t) => now - t < clientPresenceWindowMs);
  if (state.calls.length >= clientPresenceMaxCalls) {
    g.log.info({ code: ErrorCodes.ClientPresenceRateLimitReached, tenant: tenant.externalId }, 'channel presence rate limit');
    g.metrics.rateLimited.inc('client_presence');
    return g.shutdownChannel(channel, messageOf(ErrorCodes.ClientPresenceRateLimitReached));
  }
  state.calls.push(now);
  g.usage.count(tenant.externalId, 'presence_events');
  channel.conn.tally.presenceEvents++;
  const localOk = g.limits.tryPresence(tenant.externalId, maxPresenceEventsPerSecond);
  if (!localOk || g.throttled(tenant.externalId, 'presence_events_per_second')) {
    g.log.info({ code: ErrorCodes.PresenceRateLimitReached, tenant: tenant.externalId }, 'presence rate limit');
    g.metrics.rateLimited.inc('presence_events_per_second');
    return g.shutdownChannel(channel, messageOf(ErrorCodes.PresenceRateLimitReached));
  }

  if (event === 'untrack') {
    await g.presence.untrack(channel);
    return reply('ok', {});
  }
  if (!isObject(p.payload)) {
    g.log.info({ code: ErrorCodes.InvalidPresencePayload, tenant: tenant.externalId }, 'presence track payload is not a map');
    return reply('error', { reason: errorDef(ErrorCodes.InvalidPresencePayload).message });
  }
  const trackBytes = Buffer.byteLength(JSON.stringify(p.payload));
  g.metrics.payloadSize.observe(trackBytes, tenant.externalId, 'presence');
  if (trackBytes > maxPayloadSizeInKb * 1000) return g.shutdownChannel(channel, 'Track message size exceeded');
  if (!(await mayWrite(g, channel, 'presence'))) return reply('error', {});
  if (channel.presence !== state) return; // left or socket closed during the check: nothing to track
  try {
    await g.presence.track(channel, p.payload);
  } catch (err) {
    // the channel stays; the client may track again (its previous presence, if any, is unchanged)
    g.log.warn({ code: ErrorCodes.UnableToTrackPresence, tenant: tenant.externalId, err: String(err) }, 'presence track failed');
    return reply('error', {});
  }
  reply('ok', {});
}
