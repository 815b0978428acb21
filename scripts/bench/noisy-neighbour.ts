// A healthy tenant's Postgres Changes latency (commit → ingest-cdc → Kafka → gateway → socket)
// while a neighbour on the same gateway has a policy that sleeps, against the same tenant with a
// quiet neighbour, both measured in this run:
//   1. quiet: the neighbour's subscribers are joined, its table gets no writes;
//   2. noisy: the neighbour commits `noise` rows/s into a table whose RLS policy sleeps 1 s per
//      row, and its subscribers join again each time the gateway shuts their channel down (an app
//      that insists), so its RLS checks are always pending.
// The neighbour has a Postgres server of its own (replication slot names are per server).
//   npm run bench:noisy-neighbour -- [rate=100] [subscribers=20] [seconds=10] [noise=100]
import pg from 'pg';
import WebSocket from 'ws';
import { randomUUID } from 'node:crypto';
import { print } from '@realtime/log';
import { startInfra, startPostgres } from '@realtime/testing';
import { startStack } from '@realtime/testing/stack';
import { createBenchTenant, sign, sleep, type BenchTenant } from './support.ts';
import { quantile } from './measure.ts';

const [rate, subscribers, seconds, noise] = [100, 20, 10, 100].map((d, i) => Number(process.argv[2 + i] ?? d)) as [number, number, number, number];

const infra = await startInfra();
const neighbourServer = await startPostgres();
const stack = await startStack({ infra: { kafkaBrokers: infra.kafka.brokers, pgUrl: infra.postgres.url }, gateways: 1, ingestCdc: true, gatewayEnv: { LOG_LEVEL: 'error' } });
const sockets: WebSocket[] = [];
const now = () => performance.timeOrigin + performance.now();
try {
  const healthy = await createBenchTenant(stack, infra.postgres.url);
  const neighbour = await createBenchTenant(stack, neighbourServer.url);
  const healthyDb = await table(healthy, 'true');
  const neighbourDb = await table(neighbour, 'pg_sleep(1) IS NOT NULL');
  const gateway = stack.gateways[0]!.port;

  let lat: number[] = [];
  await subscribe(healthy, subscribers, (text) => {
    const m = /"sent_at":([0-9.e+]+)/.exec(text);
    if (m) lat.push(now() - Number(m[1]));
  });
  let shutdowns = 0;
  await subscribe(neighbour, subscribers, () => {}, () => shutdowns++);

  async function phase(label: string | null, noisy: boolean, secs = seconds) {
    lat = [];
    const stop = { done: false };
    const noiseLoop = noisy ? produce(neighbourDb, noise, secs, stop) : Promise.resolve(0);
    const rows = await produce(healthyDb, rate, secs, stop);
    stop.done = true;
    await noiseLoop;
    const expected = rows * subscribers;
    for (let waited = 0; lat.length < expected && waited < 15_000; waited += 100) await sleep(100);
    lat.sort((a, b) => a - b);
    if (label) print(`  ${label.padEnd(36)} p50 ${pct(lat, 50)} ms  p99 ${pct(lat, 99)} ms  max ${lat.at(-1)?.toFixed(1)} ms  (${lat.length}/${expected} deliveries)`);
  }

  print(`Healthy tenant: ${rate} rows/s for ${seconds} s, ${subscribers} subscribers (distinct identities, RLS on, policy "true")`);
  await phase(null, false, 3); // warm-up (JIT, pools, Kafka fetch sizes): not reported
  await phase('neighbour quiet (baseline)', false);
  const before = await scrape();
  await phase(`neighbour: pg_sleep policy, ${noise} rows/s`, true);
  const after = await scrape();
  const delta = (name: string) => metric(after, name) - metric(before, name);
  print(`  neighbour channels shut down: ${shutdowns}; changes dropped: ${delta('realtime_postgres_changes_dropped_total')}; tenant DB timeouts: ${delta('realtime_tenant_db_timeouts_total')}`);
  await Promise.all([healthyDb.end(), neighbourDb.end()]);
} finally {
  for (const ws of sockets) ws.terminate();
  await stack.stop();
  await neighbourServer.stop();
  await infra.stop();
}
process.exit();

/** The tenant's `rows` table, in its publication, RLS on with `policy`; resolves once replicated. */
async function table(t: BenchTenant, policy: string): Promise<pg.Client> {
  const db = new pg.Client({ connectionString: t.dbUrl.toString() });
  await db.connect();
  await db.query('SET synchronous_commit = on');
  while (!(await db.query(`SELECT 1 FROM pg_publication WHERE pubname = 'supabase_realtime'`)).rowCount) await sleep(100);
  await db.query(`CREATE TABLE rows (id bigserial PRIMARY KEY, sent_at float8 NOT NULL);
    ALTER TABLE rows ENABLE ROW LEVEL SECURITY; GRANT SELECT ON rows TO authenticated;
    CREATE POLICY p ON rows FOR SELECT TO authenticated USING (${policy});
    ALTER PUBLICATION supabase_realtime ADD TABLE rows`);
  while (!(await db.query(`SELECT 1 FROM pg_replication_slots WHERE active`)).rowCount) await sleep(100);
  return db;
}

/** n WebSocket subscribers (vsn 2.0.0) of `rows`; `onClose`: the server shut a channel down (it joins again). */
async function subscribe(t: BenchTenant, n: number, onChange: (frame: string) => void, onClose?: () => void): Promise<void> {
  await Promise.all(Array.from({ length: n }, async () => {
    const token = await sign(t.secret, { role: 'authenticated', sub: randomUUID() });
    const ws = new WebSocket(`ws://127.0.0.1:${stack.gateways[0]!.port}/socket/websocket?apikey=${token}&vsn=2.0.0`, { headers: { host: `${t.tenant}.localhost` } });
    sockets.push(ws);
    let ref = 1;
    const join = () => ws.send(JSON.stringify([String(ref), String(ref++), 'realtime:bench', 'phx_join', {
      config: { postgres_changes: [{ event: 'INSERT', schema: 'public', table: 'rows' }] }, access_token: token,
    }]));
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.on('message', (data) => {
        const text = data.toString();
        if (text.includes('Subscribed to PostgreSQL')) resolve();
        else if (text.includes('"postgres_changes",{"ids"')) onChange(text);
        else if (text.includes('"phx_close"') && onClose) {
          onClose();
          join();
        }
      });
      ws.once('open', join);
    });
  }));
}

/** Inserts `perSecond` rows/s for `secs` seconds (or until `stop.done`); returns the row count. */
async function produce(db: pg.Client, perSecond: number, secs: number, stop: { done: boolean }): Promise<number> {
  const tickMs = Math.max(10, 1000 / perSecond);
  const perTick = Math.max(1, Math.round((perSecond * tickMs) / 1000));
  const start = now();
  let sent = 0;
  for (let tick = 0; now() - start < secs * 1000 && !stop.done; tick++) {
    await db.query(`INSERT INTO rows (sent_at) SELECT $1 FROM generate_series(1, $2)`, [now(), perTick]);
    sent += perTick;
    const due = start + (tick + 1) * tickMs;
    if (due > now()) await sleep(due - now());
  }
  return sent;
}

async function scrape(): Promise<string> {
  const res = await fetch(`${stack.gateways[0]!.url}/metrics`, { headers: { authorization: `Bearer ${await sign(stack.metricsJwtSecret, {})}` } });
  return res.text();
}

function metric(text: string, name: string): number {
  return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
}

function pct(xs: number[], p: number): string {
  return xs.length ? quantile(xs, p / 100).toFixed(1) : 'n/a';
}
