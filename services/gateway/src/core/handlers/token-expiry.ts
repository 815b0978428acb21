// A channel's token is re-checked at min(5 min, exp − now); once expired the channel shuts down
// with the reference's message (docs/PROTOCOL.md §3.6).
import type { GatewayContext } from '../context/context.ts';
import type { Channel } from '../channels/connection.ts';

const RECHECK_MAX_MS = 5 * 60_000;

export function scheduleExpiry(g: GatewayContext, channel: Channel, expS: number): void {
  channel.expiry?.cancel();
  const { clock } = g;
  const remaining = expS * 1000 - clock.now();
  channel.expiry = clock.setTimeout(() => {
    channel.expiry = null;
    if (channel.conn.channels.get(channel.topic) !== channel) return;
    const now = clock.now();
    if (now >= expS * 1000) {
      g.shutdownChannel(channel, `Token has expired ${Math.floor((now - expS * 1000) / 1000)} seconds ago`);
    } else {
      scheduleExpiry(g, channel, expS);
    }
  }, Math.max(0, Math.min(RECHECK_MAX_MS, remaining)));
}
