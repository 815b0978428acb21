// Recovery on rejoin (issue 14), figures printed, nothing asserted:
//   (a) recovery time: a client joins with the position it saw before `n` committed changes (RLS on,
//       every row checked as its identity); from its phx_join to the recovery's system message
//       `complete`, median of `runs`, for 1,000 and 10,000 changes;
//   (b) what a large recovery costs everybody else: send → socket latency of broadcasts (p50/p99)
//       to live subscribers of the same tenant on the same gateway while recoveries of
//       10,000 changes, then of ~50 MiB of broadcasts, run back to back; against the same live
//       traffic without recoveries, in this run. Gateway CPU seconds of each phase beside it.
// The live sender is on the other gateway, so live frames reach the subscribers through the
// gateway's Kafka fan-out consumer, which the recovery reads must not hold up.
//   npm run bench:recovery -- [runs=3] [seconds=8] [rate=200] [subscribers=20] [mib=50]
import pg from 'pg';
import WebSocket from 'ws';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { print } from '@realtime/log';
import { startInfra } from '@realtime/testing';
import { startStack } from '@realtime/testing/stack';
import { createBenchTenant, sign, sleep } from './support.ts';
import { quantile } from './measure.ts';
import { broadcast, closeAll, connect, join, subscribers, type Target } from './suite/phoenix.ts';
import { cpuSeconds } from './suite/process-stats.ts';

const [runs, seconds, rate, subscriberCount, mib] = [3, 8, 200, 20, 50].map((d, i) => Number(process.argv[2 + i] ?? d)) as [number, number, number, number, number];
const BIG_PAYLOAD = 64 * 1024;
const now = () => performance.timeOrigin + performance.now();

/** POST with an explicit Host header (fetch drops it; Node does not resolve *.localhost). */
function postJson(url: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject).end(JSON.stringify(body));
  });
}

/** Waits for `condition`; a benchmark that stalls says where instead of hanging. */
async function until(condition: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const infra = await startInfra();
const stack = await startStack({
  infra: { kafkaBrokers: infra.kafka.brokers, pgUrl: infra.postgres.url }, gateways: 2, ingestCdc: true,
  gatewayEnv: { LOG_LEVEL: 'warn', GATEWAY_IDLE_TIMEOUT_MS: '3600000' },
});
const sockets: WebSocket[] = [];
try {
  // Caps raised past what is measured: a 10,000-change or 50 MiB recovery must be `complete`.
  const tenant = await createBenchTenant(stack, infra.postgres.url, { max_recovery_events: 1_000_000, max_recovery_bytes: (mib + 16) * 1024 * 1024 });
  const db = new pg.Client({ connectionString: tenant.dbUrl.toString() });
  await db.connect();
  while (!(await db.query(`SELECT 1 FROM pg_publication WHERE pubname = 'supabase_realtime'`)).rowCount) await sleep(100);
  await db.query(`CREATE TABLE rows (id bigserial PRIMARY KEY, body text NOT NULL);
    ALTER TABLE rows ENABLE ROW LEVEL SECURITY; GRANT SELECT ON rows TO authenticated;
    CREATE POLICY p ON rows FOR SELECT TO authenticated USING (body IS NOT NULL);
    ALTER PUBLICATION supabase_realtime ADD TABLE rows`);
  while (!(await db.query(`SELECT 1 FROM pg_replication_slots WHERE active`)).rowCount) await sleep(100);

  const user = await sign(tenant.secret, { role: 'authenticated', sub: randomUUID() });
  const service = await sign(tenant.secret, { role: 'service_role' });
  const host = `${tenant.tenant}.localhost`;
  const gw0: Target = { port: stack.gateways[0]!.port, host, token: user };
  const gw1: Target = { port: stack.gateways[1]!.port, host, token: user };
  const changesConfig = (recover: object) => ({ postgres_changes: [{ event: 'INSERT', schema: 'public', table: 'rows' }], postgres_changes_options: { recover } });

  // A cursor that never leaves: it knows the position of the last change and of the last big broadcast.
  const cursor = { change: null as string | null, changes: 0, big: null as string | null, bigs: 0, subscribed: false };
  const cursorWs = await connect(gw1, (text) => {
    const frame = JSON.parse(text) as [unknown, string | null, string, string, any];
    if (frame[3] === 'postgres_changes') [cursor.change, cursor.changes] = [frame[1], cursor.changes + 1];
    if (frame[3] === 'broadcast' && frame[4]?.meta?.position) [cursor.big, cursor.bigs] = [frame[4].meta.position, cursor.bigs + 1];
    if (frame[3] === 'system' && frame[4]?.extension === 'postgres_changes' && frame[4]?.status === 'ok') cursor.subscribed = true;
  });
  sockets.push(cursorWs);
  await join(cursorWs, gw1, 'bench-rows', changesConfig({}));
  await join(cursorWs, gw1, 'bench-big', { broadcast: { recover: {} } });
  await until(() => cursor.subscribed, 'the cursor\'s postgres_changes subscription'); // the join reply comes before it

  /** Commits `n` rows and waits until the cursor saw them (so they are in Kafka); returns the position before them (a marker row's). */
  async function commit(n: number): Promise<string | null> {
    await db.query(`INSERT INTO rows (body) VALUES ('marker')`);
    const target = cursor.changes + 1;
    await until(() => cursor.changes >= target, 'the marker row');
    const before = cursor.change;
    for (let done = 0; done < n; done += 1000) await db.query(`INSERT INTO rows (body) SELECT 'row ' || g FROM generate_series(1, $1::int) g`, [Math.min(1000, n - done)]);
    await until(() => cursor.changes >= target + n, `${n} rows`);
    return before;
  }

  /** One recovering join on a fresh socket of gateway 0: join sent → system message of `stream`. */
  async function recover(topic: string, config: object, stream: string): Promise<{ ms: number; frames: number; result: string }> {
    let frames = 0;
    let done: (r: { result: string }) => void = () => {};
    const finished = new Promise<{ result: string }>((r) => (done = r));
    const ws = await connect(gw0, (text) => {
      if (text.includes('"extension":"recovery"') && text.includes(`"stream":"${stream}"`)) done(JSON.parse(text)[4]);
      else if (text.includes('"postgres_changes",{') || text.includes('"broadcast",{')) frames++;
    });
    const t0 = now();
    const joined = join(ws, gw0, topic, config);
    const timeout = setTimeout(() => done({ result: 'no system message within 120 s' }), 120_000);
    const { result } = await finished;
    clearTimeout(timeout);
    const ms = now() - t0;
    await joined;
    ws.terminate();
    return { ms, frames, result };
  }

  print(`Recovery time: join → system "complete", RLS on (policy checked as the joining user), median of ${runs}`);
  let from10k: string | null = null;
  for (const n of [1000, 10_000]) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const position = await commit(n);
      if (n === 10_000) from10k = position;
      const r = await recover('bench-rows', changesConfig({ position }), 'postgres_changes');
      if (r.result !== 'complete' || r.frames !== n) print(`  run ${i + 1}: result ${r.result}, ${r.frames}/${n} frames`);
      times.push(r.ms);
    }
    times.sort((a, b) => a - b);
    print(`  ${String(n).padStart(6)} changes: median ${quantile(times, 0.5).toFixed(0)} ms (runs: ${times.map((t) => t.toFixed(0)).join(', ')})`);
  }

  // ~`mib` MiB of broadcasts on one channel, through REST in batches of 16, after a marker.
  const post = async (messages: object[]) => {
    const res = await postJson(`http://127.0.0.1:${gw1.port}/api/broadcast`, { host, authorization: `Bearer ${service}` }, { messages });
    if (res.status !== 202) throw new Error(`broadcasts: ${res.status} ${res.body}`);
  };
  await post([{ topic: 'bench-big', event: 'marker', payload: {} }]);
  await until(() => cursor.bigs >= 1, 'the marker broadcast');
  const bigBefore = cursor.big;
  const bigCount = Math.ceil((mib * 1024 * 1024) / BIG_PAYLOAD);
  const pad = 'x'.repeat(BIG_PAYLOAD - 32);
  for (let i = 0; i < bigCount; i += 16) {
    await post(Array.from({ length: Math.min(16, bigCount - i) }, (_, j) => ({ topic: 'bench-big', event: 'big', payload: { i: i + j, pad } })));
  }
  await until(() => cursor.bigs >= bigCount + 1, `${bigCount} big broadcasts`, 300_000);
  const big = await recover('bench-big', { broadcast: { recover: { position: bigBefore } } }, 'broadcast');
  print(`  ${bigCount} broadcasts of ${BIG_PAYLOAD / 1024} KiB (${mib} MiB): ${big.ms.toFixed(0)} ms, ${big.result}, ${big.frames} frames`);

  // (b) Live latency of other subscribers of the tenant on gateway 0.
  let lat: number[] = [];
  sockets.push(...(await subscribers(gw0, 'bench-live', subscriberCount, (text) => {
    const m = /"sent_at":([0-9.e+]+)/.exec(text);
    if (m) lat.push(now() - Number(m[1]));
  })));
  const sender = await connect(gw1);
  sockets.push(sender);
  await join(sender, gw1, 'bench-live');
  const gatewayPid = stack.gateways[0]!.child.pid!;

  async function phase(label: string | null, secs: number, background: (() => Promise<unknown>) | null) {
    lat = [];
    const stop = { done: false };
    let recoveries = 0;
    const loop = (async () => {
      while (background && !stop.done) {
        await background();
        recoveries++;
      }
    })();
    const cpu0 = cpuSeconds(gatewayPid);
    const start = now();
    let sent = 0;
    while (now() - start < secs * 1000) {
      const due = Math.floor(((now() - start) * rate) / 1000);
      for (; sent < due; sent++) broadcast(sender, 'bench-live', 'tick', { sent_at: now() });
      await sleep(5);
    }
    stop.done = true;
    await loop;
    const cpu = cpuSeconds(gatewayPid) - cpu0;
    for (let waited = 0; lat.length < sent * subscriberCount && waited < 10_000; waited += 50) await sleep(50);
    lat.sort((a, b) => a - b);
    if (label) {
      print(`  ${label.padEnd(44)} p50 ${quantile(lat, 0.5).toFixed(1)} ms  p99 ${quantile(lat, 0.99).toFixed(1)} ms  max ${lat.at(-1)?.toFixed(1)} ms  ` +
        `(${lat.length}/${sent * subscriberCount} deliveries; gateway CPU ${cpu.toFixed(2)} s${background ? `; ${recoveries} recoveries` : ''})`);
    }
  }

  print(`Live broadcasts: ${rate}/s from gateway 1 to ${subscriberCount} subscribers on gateway 0, ${seconds} s per phase`);
  await phase(null, 2, null); // warm-up
  await phase('no recovery (baseline)', seconds, null);
  await phase('10,000-change recoveries back to back', seconds, () => recover('bench-rows', changesConfig({ position: from10k }), 'postgres_changes'));
  await phase(`${mib} MiB broadcast recoveries back to back`, seconds, () => recover('bench-big', { broadcast: { recover: { position: bigBefore } } }, 'broadcast'));
  await phase('no recovery (baseline, again)', seconds, null);
  await db.end();
} finally {
  closeAll(sockets);
  await stack.stop();
  await infra.stop();
}
process.exit();
