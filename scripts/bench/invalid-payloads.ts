// Join round trips with invalid payloads against valid ones in the same run: an invalid payload
// (wrong-typed config sections) is checked, logged once as InvalidJoinPayload and joined with
// defaults, so its cost over a valid join is that check and one log line. S sockets each re-join
// one topic in a loop (a second join replaces the channel, docs/PROTOCOL.md §3.4) for the phase's seconds;
// prints joins per second and the round trip's p50/p99/max for each phase.
//   npm run bench:invalid-payloads -- [seconds per phase=10] [sockets=4]
import { print } from '@realtime/log';
import { startInfra } from '@realtime/testing';
import { startStack } from '@realtime/testing/stack';
import WebSocket from 'ws';
import { createBenchTenant, sign } from './support.ts';
import { quantile } from './measure.ts';

const [seconds, sockets] = [10, 4].map((d, i) => Number(process.argv[2 + i] ?? d)) as [number, number];
const infra = await startInfra();
// info: the InvalidJoinPayload line is part of what is measured; the per-socket frame rate is
// raised out of the way (this measures the join, not throttling)
const stack = await startStack({ infra: { kafkaBrokers: infra.kafka.brokers, pgUrl: infra.postgres.url }, gateways: 1, gatewayEnv: { LOG_LEVEL: 'info', GATEWAY_MAX_FRAMES_PER_SECOND: '1000000' } });
try {
  const { tenant, secret } = await createBenchTenant(stack, infra.postgres.url);
  const key = await sign(secret, { role: 'anon' });
  const port = stack.gateways[0]!.port;
  const open = () => new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket/websocket?vsn=2.0.0&apikey=${key}`, { headers: { host: `${tenant}.localhost` } });
    ws.once('open', () => resolve(ws)).once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`connect refused: ${res.statusCode}`)));
  });

  async function joinLoop(ws: WebSocket, config: unknown, deadline: number, times: number[]) {
    let ref = 0;
    const waiting = new Map<string, () => void>();
    ws.on('message', (data) => {
      const f = JSON.parse(data.toString()) as unknown[];
      if (f[3] === 'phx_reply') waiting.get(f[1] as string)?.();
    });
    while (Date.now() < deadline) {
      const r = String(++ref);
      const started = performance.now();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no join reply in 10 s (ref ${r})`)), 10_000);
        waiting.set(r, () => (clearTimeout(timer), resolve()));
        ws.send(JSON.stringify([r, r, 'realtime:bench', 'phx_join', { config }]));
      });
      waiting.delete(r);
      times.push(performance.now() - started);
    }
    ws.removeAllListeners('message');
  }

  async function phase(name: string, config: unknown, show = true) {
    const conns = await Promise.all(Array.from({ length: sockets }, open));
    const times: number[] = [];
    const deadline = Date.now() + seconds * 1000;
    await Promise.all(conns.map((ws) => joinLoop(ws, config, deadline, times)));
    for (const ws of conns) ws.close();
    if (show) print(`  ${name.padEnd(36)} ${(times.length / seconds).toFixed(0)} joins/s, round trip ${stats(times)}`);
  }

  await phase('warm-up', {}, false); // JIT, the tenant's caches
  print(`Join round trips, one gateway, ${sockets} sockets, ${seconds} s per phase`);
  await phase('valid config (baseline)', { broadcast: { self: false }, presence: { enabled: false } });
  await phase('invalid config (defaults + log line)', { broadcast: 'yes', presence: [1], private: 7 });
  await phase('config not an object', 'config');
} finally {
  await stack.stop();
  await infra.stop();
}
process.exit();

function stats(list: number[]): string {
  const s = [...list].sort((x, y) => x - y);
  const q = (p: number) => quantile(s, p).toFixed(2);
  return `p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms`;
}
