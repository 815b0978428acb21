// Presence through presence-service, measured with plain WebSocket clients (vsn 2.0.0) on two
// gateways:
//   1. convergence: N members join one channel and track in a burst; time until every member
//      sees all N;
//   2. throughput: C channels × M members each track once (C·M·M presence_diff deliveries),
//      against the same members each sending one broadcast of the same size with self (C·M·M
//      broadcast deliveries) in the same run: the baseline.
//   npm run bench:presence -- [burst=200] [channels=100] [members=50]
import WebSocket from 'ws';
import { print } from '@realtime/log';
import { startInfra } from '@realtime/testing';
import { startStack } from '@realtime/testing/stack';
import { createBenchTenant, sign } from './support.ts';

const [burst, channels, members] = [200, 100, 50].map((d, i) => Number(process.argv[2 + i] ?? d)) as [number, number, number];
const infra = await startInfra();
const stack = await startStack({ infra: { kafkaBrokers: infra.kafka.brokers, pgUrl: infra.postgres.url, redisUrl: infra.redis.url }, gateways: 2, presence: true, gatewayEnv: { LOG_LEVEL: 'warn' } });
const sockets: WebSocket[] = [];
try {
  const { tenant, secret } = await createBenchTenant(stack, infra.postgres.url);
  const key = await sign(secret, { role: 'anon' });
  const now = () => performance.timeOrigin + performance.now();

  interface Member { ws: WebSocket; topic: string; seen: Set<string>; onFrame?: () => void }
  async function join(gw: number, topic: string, presenceKey: string, self = false): Promise<Member> {
    const ws = new WebSocket(`ws://127.0.0.1:${stack.gateways[gw]!.port}/socket/websocket?apikey=${key}&vsn=2.0.0`, { headers: { host: `${tenant}.localhost` } });
    sockets.push(ws);
    const m: Member = { ws, topic, seen: new Set() };
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as [string | null, string | null, string, string, any];
        const [, , , event, payload] = frame;
        if (event === 'presence_state') {
          for (const k of Object.keys(payload)) m.seen.add(k);
          resolve();
        } else if (event === 'presence_diff') {
          for (const k of Object.keys(payload.joins)) m.seen.add(k);
          m.onFrame?.();
        } else if (event === 'broadcast') m.onFrame?.();
      });
      ws.once('open', () => ws.send(JSON.stringify(['1', '1', `realtime:${topic}`, 'phx_join', { config: { presence: { key: presenceKey, enabled: true }, broadcast: { self } }, access_token: key }])));
    });
    return m;
  }
  const track = (m: Member, meta: object) => m.ws.send(JSON.stringify(['1', '2', `realtime:${m.topic}`, 'presence', { type: 'presence', event: 'track', payload: meta }]));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  // 1. convergence after a burst
  const group = await Promise.all(Array.from({ length: burst }, (_, i) => join(i % 2, 'burst', `m${i}`)));
  const t0 = now();
  for (const m of group) track(m, { online_at: t0 });
  while (group.some((m) => m.seen.size < burst) && now() - t0 < 60_000) await sleep(5);
  const converged = now() - t0;
  print(`Presence: ${burst} members tracking in a burst on two gateways`);
  print(`  all members see all ${burst}: ${converged.toFixed(0)} ms (${group.filter((m) => m.seen.size === burst).length}/${burst} converged)`);
  for (const m of group) m.ws.close();

  // 2. diff deliveries vs broadcast deliveries of the same size
  const all: Member[] = [];
  for (let c = 0; c < channels; c++) all.push(...(await Promise.all(Array.from({ length: members }, (_, i) => join((c + i) % 2, `room-${c}`, `u${i}`, true)))));
  const meta = { online_at: '2026-11-23T00:00:00.000Z', status: 'online' };
  const expected = channels * members * members;
  async function measure(label: string, send: (m: Member) => void) {
    let delivered = 0;
    let last = 0;
    for (const m of all) m.onFrame = () => { delivered++; last = now(); };
    const start = now();
    for (const m of all) send(m);
    for (let before = -1; delivered < expected && before !== delivered; ) { before = delivered; await sleep(2000); }
    const secs = (last - start) / 1000;
    print(`  ${label.padEnd(28)} ${Math.round(delivered / secs)} deliveries/s  (${delivered}/${expected} in ${secs.toFixed(1)} s)`);
    for (const m of all) m.onFrame = undefined;
  }
  print(`${channels} channels × ${members} members, each sending once`);
  await measure('presence diffs', (m) => track(m, meta));
  await measure('broadcasts (baseline)', (m) => m.ws.send(JSON.stringify(['1', '3', `realtime:${m.topic}`, 'broadcast', { type: 'broadcast', event: 'presence-sized', payload: meta }])));
} finally {
  for (const ws of sockets) ws.terminate();
  await stack.stop();
  await infra.stop();
}
process.exit();
