// What a Kafka outage costs the gateway: clients keep broadcasting on a busy channel while the
// broker is up (baseline) and then while it is stopped, in the same run. Per phase: local delivery
// latency on the sender's gateway, /api/ping latency, gateway RSS growth, and broadcasts dropped
// from the bounded cross-gateway queue; then how long after the broker returns a broadcast between
// the two gateways arrives again.
//   npm run bench:broker-outage -- [seconds per phase=30] [messages per second=200] [payload KB=16]
import '../../test-e2e/support/localhost-dns.ts';
import { readFileSync } from 'node:fs';
import { createClient } from '@supabase/supabase-js';
import { print } from '@realtime/log';
import { startInfra } from '@realtime/testing';
import { startStack } from '@realtime/testing/stack';
import { createBenchTenant, sign, sleep, subscribed } from './support.ts';
import { quantile } from './measure.ts';

const seconds = Number(process.argv[2] ?? 30);
const rate = Number(process.argv[3] ?? 200);
const payload = 'x'.repeat(Number(process.argv[4] ?? 16) * 1024);

const infra = await startInfra();
const stack = await startStack({ infra: { kafkaBrokers: infra.kafka.brokers, pgUrl: infra.postgres.url }, gateways: 2, gatewayEnv: { LOG_LEVEL: 'error' } });
try {
  const { tenant, secret } = await createBenchTenant(stack, infra.postgres.url);
  const key = await sign(secret, { role: 'anon' });
  const [gwA, gwB] = stack.gateways as [(typeof stack.gateways)[0], (typeof stack.gateways)[0]];
  const channelOn = (port: number) => createClient(`http://${tenant}.localhost:${port}`, key, { auth: { persistSession: false } }).channel('busy');
  const sender = channelOn(gwA.port);
  const local = channelOn(gwA.port);
  const remote = channelOn(gwB.port);
  let localLatencies: number[] = [];
  let remoteSeen = 0;
  local.on('broadcast', { event: 'load' }, ({ payload: p }) => void localLatencies.push(now() - (p as { t: number }).t));
  remote.on('broadcast', { event: 'probe' }, () => void remoteSeen++);
  await Promise.all([sender, local, remote].map(subscribed));
  const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${gwA.child.pid}/status`, 'utf8'))![1]) / 1024;
  const dropped = async () => {
    const res = await fetch(`${gwA.url}/metrics`, { headers: { authorization: `Bearer ${await sign(stack.metricsJwtSecret, {})}` } });
    return Number(/^realtime_broadcast_publish_dropped_total(?:{[^}]*})? (\d+)/m.exec(await res.text())?.[1] ?? NaN);
  };

  const phase = async (name: string) => {
    localLatencies = [];
    const pings: number[] = [];
    const rssStart = rss();
    let rssMax = rssStart;
    const droppedStart = await dropped();
    let sent = 0;
    const started = Date.now();
    const pinger = setInterval(async () => {
      const t = now();
      await fetch(`http://${tenant}.localhost:${gwA.port}/api/ping`).catch(() => undefined);
      pings.push(now() - t);
      rssMax = Math.max(rssMax, rss());
    }, 200);
    while (Date.now() - started < seconds * 1000) {
      const due = started + (sent * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
      void sender.send({ type: 'broadcast', event: 'load', payload: { t: now(), s: payload } });
      sent++;
    }
    clearInterval(pinger);
    for (const deadline = Date.now() + 10_000; localLatencies.length < sent && Date.now() < deadline; ) await sleep(100);
    print(`  ${name.padEnd(26)} sent ${sent}, delivered locally ${localLatencies.length}  local p50 ${q(localLatencies, 0.5)} p99 ${q(localLatencies, 0.99)} ms` +
      `  /api/ping p50 ${q(pings, 0.5)} p99 ${q(pings, 0.99)} max ${q(pings, 1)} ms  RSS ${rssStart.toFixed(0)} → max ${rssMax.toFixed(0)} MB (+${(rssMax - rssStart).toFixed(0)})` +
      `  dropped ${(await dropped()) - droppedStart}`);
  };

  print(`broker outage: ${seconds} s per phase, ${rate} broadcasts/s of ${payload.length / 1024} KB on one channel, sender and a receiver on gateway A`);
  await phase('broker up (baseline)');
  await infra.kafka.down();
  await phase('broker down');
  const upAt = Date.now();
  await infra.kafka.up();
  const brokerBack = Date.now() - upAt;
  const seenBefore = remoteSeen;
  while (remoteSeen === seenBefore && Date.now() - upAt < 120_000) {
    void sender.send({ type: 'broadcast', event: 'probe', payload: {} });
    await sleep(250);
  }
  print(`  recovery: broker started in ${(brokerBack / 1000).toFixed(1)} s; first A → B broadcast ${((Date.now() - upAt) / 1000).toFixed(1)} s after the start` +
    `${remoteSeen === seenBefore ? ' — NOT RECOVERED within 120 s' : ''}`);
  process.exitCode = remoteSeen > seenBefore ? 0 : 1;
} finally {
  await stack.stop();
  await infra.stop();
}
process.exit();

function now() {
  return performance.timeOrigin + performance.now();
}
function q(list: number[], p: number) {
  const s = [...list].sort((x, y) => x - y);
  return quantile(s, p).toFixed(1);
}
