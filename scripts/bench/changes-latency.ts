// Postgres Changes through the whole pipeline (commit → ingest-cdc → Kafka → gateway → socket):
//   1. commit-to-client latency at R rows/s with S subscribers, on a table without RLS (the
//      baseline) and on one with RLS where every subscriber is a distinct identity (the worst case
//      for identity grouping: one RLS query per subscriber per batch);
//   2. authorized deliveries/s with B subscribers under RLS (distinct identities, each allowed to
//      see every row), against the same without RLS.
// Subscribers are plain WebSocket clients speaking vsn 2.0.0, so client parsing costs little.
//   npm run bench:changes -- [rate=1000] [subscribers=100] [seconds=10] [big=1000] [bigRate=100]
import pg from 'pg';
import WebSocket from 'ws';
import { randomUUID } from 'node:crypto';
import { print } from '@realtime/log';
import { startInfra } from '@realtime/testing';
import { startStack } from '@realtime/testing/stack';
import { createBenchTenant, sign } from './support.ts';

const [rate, subscribers, seconds, big, bigRate] = [1000, 100, 10, 1000, 100].map((d, i) => Number(process.argv[2 + i] ?? d)) as [number, number, number, number, number];

const infra = await startInfra();
const stack = await startStack({ infra: { kafkaBrokers: infra.kafka.brokers, pgUrl: infra.postgres.url }, gateways: 1, ingestCdc: true, gatewayEnv: { LOG_LEVEL: 'warn', GATEWAY_TENANT_DB_POOL_SIZE: '8' } });
const sockets: WebSocket[] = [];
try {
  const { tenant, secret, dbUrl } = await createBenchTenant(stack, infra.postgres.url);

  const db = new pg.Client({ connectionString: dbUrl.toString() });
  await db.connect();
  await db.query('SET synchronous_commit = on'); // as an application's commits would be: WAL flushed at commit
  while (!(await db.query(`SELECT 1 FROM pg_publication WHERE pubname = 'supabase_realtime'`)).rowCount) await sleep(100);
  for (const table of ['open_rows', 'rls_rows']) {
    await db.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, team text NOT NULL, sent_at float8 NOT NULL)`);
    await db.query(`ALTER PUBLICATION supabase_realtime ADD TABLE ${table}`);
  }
  await db.query(`ALTER TABLE rls_rows ENABLE ROW LEVEL SECURITY`);
  await db.query(`CREATE POLICY team ON rls_rows FOR SELECT TO authenticated USING (team = auth.jwt() ->> 'team')`);
  while (!(await db.query(`SELECT 1 FROM pg_replication_slots WHERE active`)).rowCount) await sleep(100);

  const gateway = stack.gateways[0]!.port;
  const now = () => performance.timeOrigin + performance.now();

  /** n subscribers of `table`, each its own identity; resolves once all are subscribed. */
  async function subscribe(table: string, n: number, onChange: (frame: string) => void): Promise<WebSocket[]> {
    const list: WebSocket[] = [];
    for (let i = 0; i < n; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, n - i) }, async () => {
        const token = await sign(secret, { role: 'authenticated', sub: randomUUID(), team: 'a' });
        const ws = new WebSocket(`ws://127.0.0.1:${gateway}/socket/websocket?apikey=${token}&vsn=2.0.0`, { headers: { host: `${tenant}.localhost` } });
        sockets.push(ws);
        list.push(ws);
        await new Promise<void>((resolve, reject) => {
          ws.once('error', reject);
          ws.on('message', (data) => {
            const text = data.toString();
            if (text.includes('Subscribed to PostgreSQL')) resolve();
            else if (text.includes('"postgres_changes",{"ids"')) onChange(text);
            else if (text.includes('"status":"error"')) reject(new Error(text));
          });
          ws.once('open', () => ws.send(JSON.stringify(['1', '1', `realtime:bench-${table}`, 'phx_join', {
            config: { postgres_changes: [{ event: 'INSERT', schema: 'public', table }] }, access_token: token,
          }])));
        });
      }));
    }
    return list;
  }

  /** Inserts `perSecond` rows/s for `secs` seconds, in ticks of at least 10 ms; returns the row count. */
  async function produce(table: string, perSecond: number, secs: number): Promise<number> {
    const tickMs = Math.max(10, 1000 / perSecond);
    const perTick = Math.max(1, Math.round((perSecond * tickMs) / 1000));
    const start = now();
    let sent = 0;
    for (let tick = 0; now() - start < secs * 1000; tick++) {
      await db.query(`INSERT INTO ${table} (team, sent_at) SELECT 'a', $1 FROM generate_series(1, $2)`, [now(), perTick]);
      sent += perTick;
      const due = start + (tick + 1) * tickMs;
      if (due > now()) await sleep(due - now());
    }
    return sent;
  }

  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!.toFixed(1);

  async function latency(table: string, label: string) {
    const lat: number[] = [];
    const list = await subscribe(table, subscribers, (text) => {
      const m = /"sent_at":([0-9.e+]+)/.exec(text);
      if (m) lat.push(now() - Number(m[1]));
    });
    const rows = await produce(table, rate, seconds);
    const expected = rows * subscribers;
    for (let waited = 0; lat.length < expected && waited < 15_000; waited += 100) await sleep(100);
    lat.sort((a, b) => a - b);
    print(`  ${label.padEnd(34)} p50 ${pct(lat, 50)} ms  p99 ${pct(lat, 99)} ms  max ${lat.at(-1)!.toFixed(1)} ms  (${lat.length}/${expected} deliveries)`);
    for (const ws of list) ws.close();
  }

  async function throughput(table: string, label: string) {
    let delivered = 0;
    let first = 0;
    let last = 0;
    const list = await subscribe(table, big, () => {
      last = now();
      first ||= last;
      delivered++;
    });
    const rows = await produce(table, bigRate, seconds);
    const expected = rows * big;
    for (let waited = 0, before = -1; delivered < expected && waited < 30_000 && before !== delivered; waited += 1000) {
      before = delivered;
      await sleep(1000);
    }
    print(`  ${label.padEnd(34)} ${Math.round(delivered / ((last - first) / 1000))} deliveries/s  (${delivered}/${expected} in ${((last - first) / 1000).toFixed(1)} s)`);
    for (const ws of list) ws.close();
  }

  print(`Postgres Changes, commit to client: ${rate} rows/s for ${seconds} s, ${subscribers} subscribers (distinct identities)`);
  await latency('open_rows', 'RLS off (baseline)');
  await latency('rls_rows', 'RLS on');
  print(`Authorized deliveries with ${big} subscribers (distinct identities), ${bigRate} rows/s for ${seconds} s`);
  await throughput('open_rows', 'RLS off (baseline)');
  await throughput('rls_rows', 'RLS on');
  await db.end();
} finally {
  for (const ws of sockets) ws.terminate();
  await stack.stop();
  await infra.stop();
}
process.exit();

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}
