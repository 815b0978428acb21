// /api/ping latency while POST /api/broadcast is flooded, against the idle gateway in the same run:
//   1. idle: pings alone (the baseline);
//   2. maximal batches: C concurrent posters send batches of the maximum size
//      (GATEWAY_REST_MAX_BATCH_MESSAGES, 1000 messages of B payload bytes) in a loop;
//   3. over-size batches: C posters send 100,000-message batches (~4 MB, under the body limit),
//      which the gateway refuses with 429 from their length.
// Pings go every 20 ms; prints p50/p99/max of each phase, and the posts per second and their
// own p50/p99 latency.
//   npm run bench:rest-batch -- [seconds per phase=10] [concurrency=2] [payload bytes=1000]
import '../../test-e2e/support/localhost-dns.ts';
import { print } from '@realtime/log';
import { startInfra } from '@realtime/testing';
import { startStack } from '@realtime/testing/stack';
import { createBenchTenant, sign } from './support.ts';
import { quantile } from './measure.ts';

const [seconds, concurrency, payloadBytes] = [10, 2, 1000].map((d, i) => Number(process.argv[2 + i] ?? d)) as [number, number, number];
const MAX_BATCH = 1000;
const infra = await startInfra();
const stack = await startStack({ infra: { kafkaBrokers: infra.kafka.brokers, pgUrl: infra.postgres.url }, gateways: 1, gatewayEnv: { LOG_LEVEL: 'warn' } });
try {
  const { tenant, secret } = await createBenchTenant(stack, infra.postgres.url);
  const key = await sign(secret, { role: 'service_role' });
  const base = `http://${tenant}.localhost:${stack.gateways[0]!.port}`;
  const maximal = JSON.stringify({ messages: Array.from({ length: MAX_BATCH }, (_, i) => ({ topic: 'bench', event: 'e', payload: { i, s: 'x'.repeat(payloadBytes) } })) });
  const oversize = JSON.stringify({ messages: Array(100_000).fill({ topic: 'b', event: 'e', payload: {} }) });

  const ping = async () => {
    const started = performance.now();
    const res = await fetch(`${base}/api/ping`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`ping: ${res.status}`);
    return performance.now() - started;
  };
  const post = async (body: string) => {
    const started = performance.now();
    const res = await fetch(`${base}/api/broadcast`, { method: 'POST', body, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started };
  };

  async function phase(name: string, body: string | null) {
    const deadline = Date.now() + seconds * 1000;
    const pings: number[] = [];
    const posts: number[] = [];
    const statuses: Record<number, number> = {};
    const pinger = (async () => {
      while (Date.now() < deadline) {
        pings.push(await ping());
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const posters = body === null ? [] : Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        const r = await post(body);
        posts.push(r.ms);
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      }
    });
    await Promise.all([pinger, ...posters]);
    const line = `  ${name.padEnd(34)} /api/ping ${stats(pings)}`;
    print(body === null ? line : `${line}\n  ${''.padEnd(34)} posts ${(posts.length / seconds).toFixed(1)}/s ${JSON.stringify(statuses)}, post latency ${stats(posts)}`);
  }

  // Warm-up: JIT, the Kafka producer's connections.
  for (let i = 0; i < 3; i++) await post(maximal);
  for (let i = 0; i < 20; i++) await ping();

  print(`REST batch flood, one gateway, ${seconds} s per phase, ${concurrency} concurrent posters, maximal batch ${MAX_BATCH} × ${payloadBytes} B (${(maximal.length / 1e6).toFixed(1)} MB)`);
  await phase('idle (baseline)', null);
  await phase(`maximal batches (${MAX_BATCH} messages)`, maximal);
  await phase(`over-size batches (100,000 messages, ${(oversize.length / 1e6).toFixed(1)} MB)`, oversize);
} finally {
  await stack.stop();
  await infra.stop();
}
process.exit();

function stats(list: number[]): string {
  const s = [...list].sort((x, y) => x - y);
  const q = (p: number) => quantile(s, p).toFixed(1);
  return `n ${s.length}  p50 ${q(0.5)} ms  p99 ${q(0.99)} ms  max ${q(1)} ms`;
}
