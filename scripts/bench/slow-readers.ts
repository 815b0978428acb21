// Gateway memory with clients that stop reading. 100 clients join a channel that receives ~1 MB/s
// (64 KB broadcasts), in three phases of the same run, each on a fresh gateway process:
//   reading     the 100 clients read everything (the baseline);
//   stalled     they pause their sockets after joining: the gateway cuts them off at
//               GATEWAY_MAX_BUFFERED_BYTES (default) and its RSS stays near the baseline;
//   unbounded   the same with the bound out of reach (as before the bound existed), to show what
//               it prevents (skip with --no-unbounded).
// Prints per phase the gateway's RSS (from /proc): growth = peak during the phase − before it, and
// the late slope = (RSS at the end − RSS a third into the phase) per second, once warm-up and
// cut-offs are past; then the clients cut off and the bytes the clients received. The fan-out encodes a frame once and every
// socket queues the same bytes, so without the bound the stalled sockets hold the channel's
// traffic since they stalled (≈1 MB/s, growing for as long as they stay connected), not 100 ×.
//   npm run bench:slow-readers -- [seconds per phase=20] [--no-unbounded]
import '../../test-e2e/support/localhost-dns.ts';
import { readFileSync } from 'node:fs';
import { print } from '@realtime/log';
import { startInfra } from '@realtime/testing';
import { startStack, waitForTenant } from '@realtime/testing/stack';
import { startService, type ServiceProcess } from '@realtime/testing/services';
import { metric, rawClient, rawJoin, type RawClient } from '../../test-e2e/support/raw-socket.ts';
import { createBenchTenant, sign, sleep } from './support.ts';

const seconds = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 20);
const unbounded = !process.argv.includes('--no-unbounded');
const CLIENTS = 100;
const PAYLOAD = 'x'.repeat(64 * 1024);
const PER_SECOND = 16; // 16 × 64 KB ≈ 1 MB/s into the channel

const infra = await startInfra();
const stack = await startStack({ infra: { kafkaBrokers: infra.kafka.brokers, pgUrl: infra.postgres.url }, gateways: 1, gatewayEnv: { LOG_LEVEL: 'warn' } });
try {
  const { tenant, secret } = await createBenchTenant(stack, infra.postgres.url);
  const key = await sign(secret, { role: 'anon' });
  print(`slow readers: ${CLIENTS} clients on a channel receiving ${PER_SECOND} × 64 KB/s for ${seconds} s per phase`);
  const rows: Array<[string, boolean, Record<string, string>]> = [['reading (baseline)', true, {}], ['stalled, bounded', false, {}]];
  if (unbounded) rows.push(['stalled, unbounded', false, { GATEWAY_MAX_BUFFERED_BYTES: String(Number.MAX_SAFE_INTEGER) }]);
  for (const [label, reading, env] of rows) {
    const gw = await startService('gateway', { ...stack.env, GATEWAY_NODE_ID: `bench-${rows.findIndex((r) => r[0] === label)}`, CONNECT_ERROR_BACKOFF_MS: '0', LOG_LEVEL: 'warn', ...env }, 'GATEWAY_LISTEN_PORT');
    try {
      await waitForTenant({ ...stack, gateways: [gw] }, tenant);
      const r = await phase(gw, tenant, key, reading, 'busy');
      const slope = (r.end - r.third) / 1e6 / ((seconds * 2) / 3);
      print(`  ${label.padEnd(20)} RSS before ${mb(r.before)}  peak ${mb(r.peak)}  growth ${mb(r.peak - r.before)}  late slope ${slope.toFixed(2)} MB/s  cut off ${r.cut}/${CLIENTS}  received ${mb(r.received)} (sent ${r.sent} × 64 KB to each)`);
    } finally {
      await gw.stop();
    }
  }
} finally {
  await stack.stop();
  await infra.stop();
}
process.exit();

async function phase(gw: ServiceProcess, tenant: string, key: string, reading: boolean, topic: string) {
  const clients: RawClient[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const c = await rawClient(gw.port, tenant, key, 1);
    await rawJoin(c, topic);
    if (!reading) c.stopReading();
    clients.push(c);
  }
  const publisher = await rawClient(gw.port, tenant, key, 1);
  await rawJoin(publisher, topic);
  await sleep(1000);
  const cutBefore = await slowCut(gw);
  const before = rss(gw);
  let peak = before;
  let sent = 0;
  let third = NaN;
  const started = Date.now();
  while (Date.now() - started < seconds * 1000) {
    publisher.send(['1', null, `realtime:${topic}`, 'broadcast', { type: 'broadcast', event: 'fill', payload: { n: sent, fill: PAYLOAD } }]);
    sent++;
    if (Number.isNaN(third) && Date.now() - started >= (seconds * 1000) / 3) third = rss(gw);
    const due = started + (sent * 1000) / PER_SECOND;
    while (Date.now() < due) {
      peak = Math.max(peak, rss(gw));
      await sleep(Math.min(50, Math.max(0, due - Date.now())));
    }
    // Heartbeats, as a stalled client that still writes would send them.
    if (sent % PER_SECOND === 0) for (const c of clients) if (c.ws.readyState === c.ws.OPEN) c.send([null, 'hb', 'phoenix', 'heartbeat', {}]);
  }
  const end = rss(gw);
  await sleep(3000); // past the close grace of the cut-off sockets
  const cut = (await slowCut(gw)) - cutBefore; // a paused client cannot see its own close
  const received = clients.reduce((n, c) => n + c.bytes, 0);
  for (const c of [...clients, publisher]) c.ws.terminate();
  return { before, peak, third, end, cut, received, sent };
}

async function slowCut(gw: ServiceProcess): Promise<number> {
  const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${await sign(stack.metricsJwtSecret, {})}` } });
  return metric(await res.text(), 'realtime_slow_clients_disconnected_total');
}

/** Resident set of the gateway process (the service runs as a direct child of this one). */
function rss(gw: ServiceProcess): number {
  const status = readFileSync(`/proc/${gw.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
}
function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
