// Redis keys left by throw-away presence channels: C channels joined, tracked once and left by a
// few plain WebSocket clients over two gateways (test-e2e/support/throwaway-presence.ts). Prints
// the key count of the idle stack (the baseline, same run), at the peak of the churn, right after
// it, and how long until it is back at the baseline. Runs its own Redis so every key is counted.
//   npm run bench:presence-churn -- [channels=10000] [sockets=4] [inFlight=25]
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { print } from '@realtime/log';
import { startInfra } from '@realtime/testing';
import { startStack } from '@realtime/testing/stack';
import { churnPresence } from '../../test-e2e/support/throwaway-presence.ts';
import { createBenchTenant, sign, sleep } from './support.ts';

const [channels, sockets, inFlight] = [10_000, 4, 25].map((d, i) => Number(process.argv[2 + i] ?? d)) as [number, number, number];
const infra = await startInfra();
const redis = new Redis(infra.redis.url);
const stack = await startStack({ infra: { kafkaBrokers: infra.kafka.brokers, pgUrl: infra.postgres.url, redisUrl: infra.redis.url }, gateways: 2, presence: true, gatewayEnv: { LOG_LEVEL: 'warn' } });
const rssMb = (pid: number) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024);
try {
  const { tenant, secret } = await createBenchTenant(stack, infra.postgres.url);
  const key = await sign(secret, { role: 'anon' });
  await sleep(2000); // both gateways have renewed their liveness key
  const baseline = await redis.dbsize();
  const processes = [...stack.gateways, stack.presence!].map((p) => p.child.pid!);
  const rssBefore = processes.map(rssMb);

  let peak = baseline;
  const sampler = setInterval(() => void redis.dbsize().then((n) => { peak = Math.max(peak, n); }, () => {}), 50);
  const result = await churnPresence({ ports: stack.gateways.map((g) => g.port), tenant, key, prefix: 'churn', channels, sockets, inFlight });
  clearInterval(sampler);
  const after = await redis.dbsize();
  const t0 = performance.now();
  let settled = after;
  while (settled > baseline && performance.now() - t0 < 60_000) {
    await sleep(100);
    settled = await redis.dbsize();
  }
  const settleMs = performance.now() - t0;
  const rssAfter = processes.map(rssMb);

  print(`Presence churn: ${channels} throw-away channels (join, track, leave) from ${sockets} sockets, ${inFlight} in flight each, two gateways`);
  print(`  churn took            ${(result.elapsedMs / 1000).toFixed(1)} s (${Math.round(channels / (result.elapsedMs / 1000))} channels/s, ${result.failed} failed)`);
  print(`  Redis keys, idle      ${baseline} (baseline: epoch + gateway liveness keys)`);
  print(`  Redis keys, peak      ${peak}`);
  print(`  Redis keys, at end    ${after}`);
  print(`  RSS MB before → after gateway 1 ${rssBefore[0]} → ${rssAfter[0]}, gateway 2 ${rssBefore[1]} → ${rssAfter[1]}, presence-service ${rssBefore[2]} → ${rssAfter[2]}`);
  print(`  Redis keys, settled   ${settled} (${settled === baseline ? `back at the baseline ${(settleMs / 1000).toFixed(1)} s after the churn` : `still ${settled - baseline} above the baseline after 60 s`})`);
} finally {
  await stack.stop();
  redis.disconnect();
  await infra.stop();
}
process.exit();
