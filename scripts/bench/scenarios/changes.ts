// P5, P6: Postgres Changes through the whole pipeline (commit → ingest-cdc → Kafka → gateway →
// socket), on a table without RLS (P6's baseline) and one whose policy every subscriber passes as
// its own identity (the worst case for identity grouping: one RLS query per subscriber per batch).
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import type { BenchEnv, Scenario } from '../suite/env.ts';
import { closeAll, connect } from '../suite/phoenix.ts';
import { quantile } from '../measure.ts';
import { readCommitToKafka, windowQuantile } from '../suite/ingest-latency.ts';
import { sign, sleep } from '../support.ts';

const now = () => performance.timeOrigin + performance.now();
const TABLES = { open: 'bench_open_rows', rls: 'bench_rls_rows' } as const;
type Table = (typeof TABLES)[keyof typeof TABLES];

/** The two tables, once per run; a pool for single-row commits from several connections. */
const tables = (env: BenchEnv) => env.memo('changes:tables', async () => {
  const pool = new pg.Pool({ connectionString: env.tenant.dbUrl.toString(), max: 8 });
  // The pool lives until the suite stops Postgres under it: its idle clients' errors then are expected.
  pool.on('error', () => {});
  for (const table of Object.values(TABLES)) {
    await pool.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, team text NOT NULL, sent_at float8 NOT NULL)`);
    await pool.query(`ALTER PUBLICATION supabase_realtime ADD TABLE ${table}`);
  }
  await pool.query(`ALTER TABLE ${TABLES.rls} ENABLE ROW LEVEL SECURITY`);
  await pool.query(`CREATE POLICY team ON ${TABLES.rls} FOR SELECT TO authenticated USING (team = auth.jwt() ->> 'team')`);
  return pool;
});

/** `n` subscribers of INSERTs on `table`, each its own identity; resolves once all are subscribed. */
async function subscribe(env: BenchEnv, table: Table, n: number, onChange: (frame: string) => void): Promise<WebSocket[]> {
  const gateway = await env.gateway(0);
  const list: WebSocket[] = [];
  for (let i = 0; i < n; i += 50) {
    list.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, async () => {
      const token = await sign(env.tenant.secret, { role: 'authenticated', sub: randomUUID(), team: 'a' });
      let ready: () => void = () => {};
      let failed: (e: Error) => void = () => {};
      const subscribed = new Promise<void>((resolve, reject) => ((ready = resolve), (failed = reject)));
      const ws = await connect({ ...gateway, token }, (text) => {
        if (text.includes('"postgres_changes",{"ids"')) onChange(text);
        else if (text.includes('Subscribed to PostgreSQL')) ready();
        else if (text.includes('"status":"error"')) failed(new Error(text.slice(0, 300)));
      });
      ws.send(JSON.stringify(['1', '1', `realtime:bench-${table}`, 'phx_join', { config: { postgres_changes: [{ event: 'INSERT', schema: 'public', table }] }, access_token: token }]));
      await subscribed;
      return ws;
    }))));
  }
  return list;
}

/** Single-row commits at `perSecond` for `secs`, spread over the pool; returns how many. */
async function produce(pool: pg.Pool, table: Table, perSecond: number, secs: number): Promise<number> {
  const start = now();
  let sent = 0;
  const inflight: Array<Promise<unknown>> = [];
  while (now() - start < secs * 1000) {
    const due = Math.floor(((now() - start) * perSecond) / 1000);
    for (; sent < due; sent++) inflight.push(pool.query(`INSERT INTO ${table} (team, sent_at) VALUES ('a', $1)`, [now()]));
    await sleep(5);
  }
  await Promise.all(inflight);
  return sent;
}

/** Waits until `count()` reaches `expected` or stops growing for `idleMs`. */
async function drained(count: () => number, expected: number, idleMs: number): Promise<void> {
  for (let before = -1, idle = 0; count() < expected && idle < idleMs; idle = count() === before ? idle + 100 : 0) {
    before = count();
    await sleep(100);
  }
}

async function latency(env: BenchEnv, table: Table): Promise<{ p50: number; p99: number; got: number; expected: number }> {
  const [rate, subs, secs] = env.short ? [200, 5, 2] : [1000, 20, 10];
  const pool = await tables(env);
  const lat: number[] = [];
  let measuredFrom = Infinity; // rows committed before it are the warm-up's, however late they arrive
  const list = await subscribe(env, table, subs, (text) => {
    const m = /"sent_at":([0-9.e+]+)/.exec(text);
    if (m && Number(m[1]) >= measuredFrom) lat.push(now() - Number(m[1]));
  });
  try {
    // Warm-up: the first changes of a table pay for JIT, relation caches and the first fetches.
    await produce(pool, table, rate, 1);
    await sleep(1000);
    measuredFrom = now();
    env.progress(`changes: ${rate} single-row commits/s × ${subs} subscribers on ${table} for ${secs} s`);
    const rows = await produce(pool, table, rate, secs);
    await drained(() => lat.length, rows * subs, 3000);
    lat.sort((a, b) => a - b);
    return { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), got: lat.length, expected: rows * subs };
  } finally {
    closeAll(list);
  }
}

async function throughput(env: BenchEnv, table: Table): Promise<number> {
  const [subs, rate, secs] = env.short ? [100, 50, 2] : [1000, 100, 10];
  const pool = await tables(env);
  let delivered = 0;
  let first = 0;
  let last = 0;
  const list = await subscribe(env, table, subs, () => {
    last = now();
    first ||= last;
    delivered++;
  });
  try {
    env.progress(`changes: ${subs} subscribers, ${rate} rows/s on ${table} for ${secs} s`);
    const rows = await produce(pool, table, rate, secs);
    await drained(() => delivered, rows * subs, 3000);
    return delivered / ((last - first) / 1000);
  } finally {
    closeAll(list);
  }
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

export const p5: Scenario = {
  name: 'p5', ids: 'P5',
  async run(env) {
    const before = await readCommitToKafka(env);
    const off = await latency(env, TABLES.open);
    const on = await latency(env, TABLES.rls);
    const after = await readCommitToKafka(env);
    const row = (label: string, r: typeof off) => ({
      id: 'P5', scenario: `commit → client, ${label}: p50 / p99 (${r.got}/${r.expected} delivered)`, baseline: '—', ours: `${ms(r.p50)} / ${ms(r.p99)}`,
      ratio: null, goal: 'p50 ≤ 10 ms, p99 ≤ 50 ms', pass: r.got === r.expected && r.p50 <= 10 && r.p99 <= 50,
    });
    // The ingest side of it (commit → Kafka ack, ingest-cdc's histogram over both runs, warm-ups included).
    const ingest = { id: 'P5', scenario: '(info) of which ingest-cdc: commit → Kafka ack p50 / p99', baseline: '—', ratio: null, goal: '—', pass: null,
      ours: `${ms(windowQuantile(before, after, 0.5) * 1000)} / ${ms(windowQuantile(before, after, 0.99) * 1000)}` };
    return [row('RLS off', off), row('RLS on', on), ingest];
  },
};

export const p6: Scenario = {
  name: 'p6', ids: 'P6',
  async run(env) {
    const off = await throughput(env, TABLES.open);
    const on = await throughput(env, TABLES.rls);
    const ratio = on / off;
    const perSec = (x: number) => `${Math.round(x).toLocaleString('en')}/s`;
    return [{ id: 'P6', scenario: `RLS-authorized deliveries, ${env.short ? 100 : 1000} distinct identities`, baseline: `${perSec(off)} (RLS off)`, ours: perSec(on), ratio, goal: '≥ 0.9× and ≥ 50k/s', pass: ratio >= 0.9 && on >= 50_000 }];
  },
};
