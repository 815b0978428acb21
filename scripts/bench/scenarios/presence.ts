// P7: presence through presence-service on two gateways: convergence after a burst of tracks on
// one channel, and presence_diff deliveries/s (C channels × M members each tracking once, C·M·M
// deliveries) against the same members each sending one broadcast of the same size with self on.
import type WebSocket from 'ws';
import type { BenchEnv, Scenario } from '../suite/env.ts';
import { closeAll, connect, join, type Target } from '../suite/phoenix.ts';
import { sleep } from '../support.ts';

const now = () => performance.timeOrigin + performance.now();

interface Member { ws: WebSocket; topic: string; seen: Set<string>; onFrame?: () => void }

async function member(target: Target, topic: string, key: string, self: boolean, sockets: WebSocket[]): Promise<Member> {
  const m = { topic, seen: new Set<string>() } as Member;
  m.ws = await connect(target, (text) => {
    const [, , , event, payload] = JSON.parse(text) as [unknown, unknown, string, string, Record<string, Record<string, unknown>>];
    if (event === 'presence_state') for (const k of Object.keys(payload)) m.seen.add(k);
    else if (event === 'presence_diff') {
      for (const k of Object.keys(payload.joins ?? {})) m.seen.add(k);
      m.onFrame?.();
    } else if (event === 'broadcast') m.onFrame?.();
  });
  sockets.push(m.ws);
  await join(m.ws, target, topic, { presence: { key, enabled: true }, broadcast: { self } });
  return m;
}

const track = (m: Member, meta: object) => m.ws.send(JSON.stringify(['1', '2', `realtime:${m.topic}`, 'presence', { type: 'presence', event: 'track', payload: meta }]));

/** Milliseconds until every one of `n` members on both gateways sees all n after a burst of tracks. */
async function convergence(env: BenchEnv, targets: Target[], n: number, sockets: WebSocket[]): Promise<number> {
  env.progress(`presence: ${n} members track in a burst`);
  const group = await Promise.all(Array.from({ length: n }, (_, i) => member(targets[i % 2]!, 'burst', `m${i}`, false, sockets)));
  const t0 = now();
  for (const m of group) track(m, { online_at: t0 });
  while (group.some((m) => m.seen.size < n) && now() - t0 < 60_000) await sleep(5);
  return group.every((m) => m.seen.size === n) ? now() - t0 : Infinity;
}

/** Deliveries/s of one send by every member (each send reaching all members of its channel). */
async function deliveries(all: Member[], members: number, send: (m: Member) => void): Promise<number> {
  let delivered = 0;
  let last = 0;
  for (const m of all) m.onFrame = () => void ((delivered++), (last = now()));
  const start = now();
  for (const m of all) send(m);
  const expected = all.length * members;
  // Done when all arrived, or nothing more did for 2 s once deliveries began (the first may take
  // seconds on a loaded machine: thousands of sends, then presence-service's round trip).
  for (let before = -1; delivered < expected && (delivered === 0 ? now() - start < 30_000 : before !== delivered); ) {
    before = delivered;
    await sleep(2000);
  }
  for (const m of all) m.onFrame = undefined;
  return delivered === 0 ? 0 : delivered / ((last - start) / 1000);
}

export const p7: Scenario = {
  name: 'p7', ids: 'P7',
  async run(env) {
    const [burst, channels, members] = env.short ? [20, 10, 10] : [200, 100, 50];
    const targets = [await env.gateway(0), await env.gateway(1)];
    const sockets: WebSocket[] = [];
    try {
      const converged = await convergence(env, targets, burst, sockets);
      env.progress(`presence: ${channels} channels × ${members} members joining`);
      const all: Member[] = [];
      for (let c = 0; c < channels; c++) all.push(...(await Promise.all(Array.from({ length: members }, (_, i) => member(targets[(c + i) % 2]!, `room-${c}`, `u${i}`, true, sockets)))));
      const meta = { online_at: '2026-11-23T00:00:00.000Z', status: 'online' };
      env.progress('presence: every member tracks once');
      const diffs = await deliveries(all, members, (m) => track(m, meta));
      env.progress('presence: every member broadcasts once (baseline)');
      const casts = await deliveries(all, members, (m) => m.ws.send(JSON.stringify(['1', '3', `realtime:${m.topic}`, 'broadcast', { type: 'broadcast', event: 'presence-sized', payload: meta }])));
      const ratio = diffs / casts;
      const perSec = (x: number) => `${Math.round(x).toLocaleString('en')}/s`;
      return [
        { id: 'P7', scenario: `presence diffs, ${channels} ch × ${members} members: deliveries/s`, baseline: `${perSec(casts)} (broadcasts)`, ours: perSec(diffs), ratio, goal: '≥ 0.8×', pass: ratio >= 0.8 },
        { id: 'P7', scenario: `presence convergence, ${burst} members tracking in a burst`, baseline: '—', ours: `${converged.toFixed(0)} ms`, ratio: null, goal: '≤ 1 s', pass: converged <= 1000 },
      ];
    } finally {
      closeAll(sockets);
    }
  },
};
