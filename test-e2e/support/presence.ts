// Presence helpers for the end-to-end tests: a supabase-js channel with presence, and the
// presence state it shows, reduced to key → sorted metas without refs (comparable across clients).
import type { RealtimeChannel } from '@supabase/supabase-js';
import { client, subscribed } from './fixture.ts';

/** `setup` adds callbacks: realtime-js refuses presence callbacks after subscribe(). */
export async function presenceChannel(port: number, tenant: string, key: string, topic: string, presenceKey = '', setup?: (c: RealtimeChannel) => void): Promise<RealtimeChannel> {
  const channel = client(port, tenant, key).channel(topic, { config: { presence: { key: presenceKey } } });
  channel.on('presence', { event: 'sync' }, () => {});
  setup?.(channel);
  await subscribed(channel);
  return channel;
}

/** key → metas (without presence_ref), keys sorted: what a user would see. */
export function view(channel: RealtimeChannel): Record<string, Array<Record<string, unknown>>> {
  const state = channel.presenceState() as Record<string, Array<Record<string, unknown>>>;
  return Object.fromEntries(Object.keys(state).sort().map((k) => [k, state[k]!.map(({ presence_ref: _r, ...meta }) => meta)]));
}
