// Broadcast latency between two gateway processes through Kafka, measured with the official client:
// a sender on gateway A, a receiver on gateway B (cross-gateway, through Kafka) and one on A
// (local delivery, the baseline in the same run). Prints p50/p90/p99/max over N messages.
//   npm run bench:broadcast -- [messages=1000] [rate per second=200]
import '../../test-e2e/support/localhost-dns.ts';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { createClient } from '@supabase/supabase-js';
import { sleep, subscribed } from './support.ts';
import { print } from '@realtime/log';
import { startInfra } from '@realtime/testing';
import { createDatabase, startStack, waitForTenant } from '@realtime/testing/stack';
import { quantile } from './measure.ts';

const total = Number(process.argv[2] ?? 1000);
const rate = Number(process.argv[3] ?? 200);

const infra = await startInfra();
const stack = await startStack({ infra: { kafkaBrokers: infra.kafka.brokers, pgUrl: infra.postgres.url }, gateways: 2, gatewayEnv: { LOG_LEVEL: 'warn' } });
try {
  const tenant = `bench${randomBytes(3).toString('hex')}`;
  const secret = randomBytes(16).toString('hex');
  const sign = (s: string, claims: object) => new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(s));
  const dbUrl = new URL(await createDatabase(infra.postgres.url, `${tenant}_db`));
  const res = await fetch(`${stack.admin.url}/api/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await sign(stack.apiJwtSecret, {})}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: { name: tenant, external_id: tenant, jwt_secret: secret, max_events_per_second: 100_000,
      extensions: [{ type: 'postgres_cdc_rls', settings: { db_host: dbUrl.hostname, db_port: dbUrl.port, db_name: dbUrl.pathname.slice(1), db_user: 'postgres', db_password: 'postgres', region: 'local' } }] } }),
  });
  if (res.status !== 201) throw new Error(`tenant: ${res.status} ${await res.text()}`);
  await waitForTenant(stack, tenant);
  const key = await sign(secret, { role: 'anon' });
  const channelOn = (port: number) => createClient(`http://${tenant}.localhost:${port}`, key, { auth: { persistSession: false } }).channel('bench');
  const [a, b] = stack.gateways.map((g) => g.port) as [number, number];
  const sender = channelOn(a);
  const remote = channelOn(b);
  const local = channelOn(a);
  const latencies = { remote: [] as number[], local: [] as number[] };
  for (const [name, ch] of [['remote', remote], ['local', local]] as const) {
    ch.on('broadcast', { event: 'b' }, ({ payload }) => void latencies[name].push(performance.timeOrigin + performance.now() - (payload as { t: number }).t));
  }
  await Promise.all([sender, remote, local].map((ch) => subscribed(ch)));
  // Warm-up: JIT, Kafka connections and the consumer's first fetch.
  for (let i = 0; i < 50; i++) await sender.send({ type: 'broadcast', event: 'warm', payload: {} });
  await sleep(1000);

  const started = Date.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    void sender.send({ type: 'broadcast', event: 'b', payload: { i, t: performance.timeOrigin + performance.now() } });
  }
  const deadline = Date.now() + 15_000;
  while ((latencies.remote.length < total || latencies.local.length < total) && Date.now() < deadline) await sleep(100);

  print(`broadcast latency, ${total} messages at ${rate}/s, sender on gateway A (payload ~40 B)`);
  for (const [name, list] of Object.entries(latencies)) {
    const s = [...list].sort((x, y) => x - y);
    const q = (p: number) => quantile(s, p).toFixed(2);
    const label = name === 'remote' ? 'A → B through Kafka' : 'A → A local (baseline)';
    print(`  ${label.padEnd(24)} received ${s.length}/${total}  p50 ${q(0.5)} ms  p90 ${q(0.9)} ms  p99 ${q(0.99)} ms  max ${q(1)} ms`);
  }
  process.exitCode = latencies.remote.length === total ? 0 : 1;
} finally {
  await stack.stop();
  await infra.stop();
}
process.exit();

