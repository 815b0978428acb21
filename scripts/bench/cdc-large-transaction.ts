// ingest-cdc memory with one very large transaction: N rows committed in ONE transaction, against
// the same N rows in transactions of 100 (the baseline, same run, same worker). Prints the
// worker's peak resident memory above its idle level (a fresh worker per run) while each batch streams to realtime.cdc,
// and how long the rows took to land in Kafka. The assembler hands a transaction out in pieces of
// 1000 changes, so the one-transaction peak should stay near the baseline's.
//   npm run bench:cdc-large-txn -- [rows=200000]
import pg from 'pg';
import { readFile } from 'node:fs/promises';
import { print, createLogger } from '@realtime/log';
import { createKafka, followTopic, topicNames } from '@realtime/kafka';
import { startInfra, uniqueName } from '@realtime/testing';
import { startStack } from '@realtime/testing/stack';
import { createBenchTenant } from './support.ts';

const rows = Number(process.argv[2] ?? 200_000);
const infra = await startInfra();
const stack = await startStack({ infra: { kafkaBrokers: infra.kafka.brokers, pgUrl: infra.postgres.url }, gateways: 1, ingestCdc: true, gatewayEnv: { LOG_LEVEL: 'warn' } });
try {
  const { tenant, dbUrl } = await createBenchTenant(stack, infra.postgres.url);
  const db = new pg.Client({ connectionString: dbUrl.toString() });
  await db.connect();
  while (!(await db.query(`SELECT 1 FROM pg_publication WHERE pubname = 'supabase_realtime'`)).rowCount) await new Promise((r) => setTimeout(r, 100));
  await db.query('CREATE TABLE items (id int PRIMARY KEY, v text, n numeric, at timestamptz DEFAULT now())');
  await db.query('ALTER PUBLICATION supabase_realtime ADD TABLE items');
  while (!(await db.query(`SELECT 1 FROM pg_replication_slots WHERE active`)).rowCount) await new Promise((r) => setTimeout(r, 100));

  // Each run gets a fresh worker, so one run's heap does not count in the next one's. The worker is
  // a direct child of this process (libs/testing startService): its RSS is read from /proc.
  let worker = stack.ingestCdc!;
  const freshWorker = async () => {
    await worker.stop();
    worker = await stack.startIngestCdc();
    while (!(await db.query(`SELECT 1 FROM pg_replication_slots WHERE active`)).rowCount) await new Promise((r) => setTimeout(r, 100));
  };
  const rss = async (pid = worker.child.pid!) => Number(/^VmRSS:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
  const log = createLogger({ service: 'bench', level: 'error' });
  let received = 0;
  let last = 0;
  const reader = await followTopic(createKafka({ brokers: infra.kafka.brokers, clientId: 'bench', logger: log }), {
    topic: topicNames(stack.topicPrefix).cdc, schema: 'ChangeEvent', groupId: uniqueName('bench'), logger: log,
    eachMessage: (_k, v: { tenant?: string } | null) => { if (v?.tenant === tenant) { received++; last = performance.now(); } },
  });

  /** Commits ids [from, from + rows) in transactions of `perTxn`; samples RSS until all landed. */
  async function run(from: number, perTxn: number) {
    await freshWorker();
    await new Promise((r) => setTimeout(r, 2000)); // past start-up allocations
    const idle = await rss();
    let peak = idle;
    let sampling = true;
    const sampler = (async () => { while (sampling) { peak = Math.max(peak, await rss()); await new Promise((r) => setTimeout(r, 100)); } })();
    const target = received + rows;
    const t0 = performance.now();
    for (let i = from; i < from + rows; i += perTxn) {
      await db.query(`INSERT INTO items SELECT x, 'row ' || x || repeat('.', 100), x * 1.5 FROM generate_series($1::int, $2::int) x`, [i, Math.min(i + perTxn, from + rows) - 1]);
    }
    while (received < target && performance.now() - t0 < 300_000) await new Promise((r) => setTimeout(r, 50));
    sampling = false;
    await sampler;
    return { idleMb: idle / 2 ** 20, growthMb: (peak - idle) / 2 ** 20, seconds: (last - t0) / 1000, landed: received - (target - rows) };
  }

  const large = await run(0, rows);
  const baseline = await run(rows, 100);
  const line = (name: string, r: Awaited<ReturnType<typeof run>>) =>
    print(`  ${name.padEnd(34)} peak RSS +${r.growthMb.toFixed(1)} MB over ${r.idleMb.toFixed(1)} MB idle, ${r.landed}/${rows} rows in Kafka after ${r.seconds.toFixed(2)} s`);
  print(`ingest-cdc memory, ${rows} rows`);
  line('transactions of 100 (baseline)', baseline);
  line('one transaction', large);
  await reader.stop();
  await db.end();
} finally {
  await stack.stop();
  await infra.stop();
}
process.exit();
