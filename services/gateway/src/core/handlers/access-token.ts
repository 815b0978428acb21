// access_token: a refreshed token for a joined channel (spec §3.6). Never replied to. Same token,
// null and `sb_…` keys are ignored; a token that fails verification shuts the channel down.
import type { Message } from '@realtime/protocol';
import type { Gateway } from '../gateway.ts';
import { isObject, type Channel } from '../channel.ts';
import { scheduleExpiry } from './token-expiry.ts';
import { recheckRead } from '../channel-policies.ts';

export async function accessToken(g: Gateway, channel: Channel, msg: Message): Promise<void> {
  const token = isObject(msg.payload) ? msg.payload.access_token : undefined;
  if (typeof token !== 'string' || token.startsWith('sb_') || token === channel.token) return;
  const tenant = g.tenant(channel.conn.tenantId);
  if (!tenant) return;
  const verified = await g.verify(token, tenant);
  if (channel.conn.channels.get(channel.topic) !== channel) return; // left meanwhile
  if (!verified.ok) return g.shutdownChannel(channel, verified.failure.message);
  channel.token = token;
  channel.claims = verified.claims;
  scheduleExpiry(g, channel, verified.exp);
  if (channel.options.private && !(await recheckRead(g, channel)) && channel.conn.channels.get(channel.topic) === channel) {
    g.shutdownChannel(channel, `You no longer have permission to read from this Channel topic: ${channel.subtopic}`);
  }
}
