// supabase-js clients that keep a channel busy: each tracks its presence (again after every rejoin,
// as an app does in its subscribe callback) and broadcasts a tick every few hundred ms while
// joined; each records when ticks arrive, so a test can measure the largest silence a client saw.
import { expect } from 'vitest';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { client } from './fixture.ts';
import { view } from './presence.ts';

export interface Peer {
  index: number;
  channel: RealtimeChannel;
  /** Arrival times (ms) of other peers' ticks. */
  received: number[];
  /** Arrival times of `system` notices, by message. */
  notices: Array<{ at: number; message: string }>;
  /** Other peers' presence updates as this peer saw them: when it saw one, when it was tracked. */
  presenceSeen: Array<{ at: number; trackedAt: number }>;
  /** Times the channel was joined (the first join and every rejoin). */
  joins: number;
  stop(): void;
}

/** `retrackMs`: each peer also tracks itself anew this often, stamped, so presence keeps moving. */
export function startPeers(count: number, port: number, tenant: string, key: string, topic: string, tickMs: number, options: { retrackMs?: number } = {}): Peer[] {
  return Array.from({ length: count }, (_, index) => {
    const channel = client(port, tenant, key).channel(topic, { config: { presence: { key: `p${index}` } } });
    const timers: NodeJS.Timeout[] = [];
    const peer: Peer = { index, channel, received: [], notices: [], presenceSeen: [], joins: 0, stop: () => timers.forEach(clearInterval) };
    const live = () => channel.state === 'joined' && channel.socket.isConnected();
    const track = () => void channel.track({ peer: index, at: Date.now() }).catch(() => undefined);
    channel.on('broadcast', { event: 'tick' }, () => void peer.received.push(Date.now()));
    channel.on('system', {}, (p: { message?: string }) => void peer.notices.push({ at: Date.now(), message: String(p.message) }));
    const lastSeen = new Map<string, number>();
    channel.on('presence', { event: 'sync' }, () => {
      for (const [k, metas] of Object.entries(channel.presenceState<{ at?: number }>())) {
        const trackedAt = Math.max(...metas.map((m) => m.at ?? 0));
        if (k === `p${index}` || trackedAt <= (lastSeen.get(k) ?? 0)) continue;
        lastSeen.set(k, trackedAt);
        peer.presenceSeen.push({ at: Date.now(), trackedAt });
      }
    });
    channel.subscribe((status) => {
      if (status !== 'SUBSCRIBED') return;
      peer.joins++;
      track();
    });
    let seq = 0;
    // Only while joined: realtime-js would otherwise fall back to REST with a console warning.
    timers.push(setInterval(() => {
      if (live()) void channel.send({ type: 'broadcast', event: 'tick', payload: { from: index, seq: seq++ } }).catch(() => undefined);
    }, tickMs));
    if (options.retrackMs) timers.push(setInterval(() => live() && track(), options.retrackMs));
    return peer;
  });
}

/** Every peer joined, sees every peer exactly once in presence, and hears ticks. */
export async function expectConverged(peers: Peer[]): Promise<void> {
  const keys = peers.map((p) => `p${p.index}`).sort();
  for (const peer of peers) {
    expect(peer.channel.state).toBe('joined');
    const state = view(peer.channel);
    expect(Object.keys(state).sort()).toEqual(keys);
    for (const k of keys) expect(state[k]).toHaveLength(1);
  }
  const now = Date.now();
  for (const peer of peers) expect(now - (peer.received.at(-1) ?? 0)).toBeLessThan(2000);
}

/** The longest time between two received ticks of one peer within [from, to], edges included. */
export function largestGap(peer: Peer, from: number, to: number): number {
  const times = [from, ...peer.received.filter((t) => t > from && t < to), to];
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return gap;
}
