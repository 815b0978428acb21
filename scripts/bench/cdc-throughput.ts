// ingest-cdc throughput, commit to Kafka: N rows committed in transactions of T rows while the
// worker streams them to realtime.cdc. Prints the commit rate (the baseline: how fast Postgres
// took them) and the rate at which ChangeEvents landed in Kafka, plus the lag at the end.
//   npm run bench:cdc -- [rows=50000] [rows per transaction=100]
import '../../test-e2e/support/localhost-dns.ts';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { print, createLogger } from '@realtime/log';
import { createKafka, followTopic, topicNames } from '@realtime/kafka';
import { startInfra, uniqueName } from '@realtime/testing';
import { startStack, waitForTenant } from '@realtime/testing/stack';

const rows = Number(process.argv[2] ?? 50_000);
const perTxn = Number(process.argv[3] ?? 100);
const infra = await startInfra();
const stack = await startStack({ infra: { kafkaBrokers: infra.kafka.brokers, pgUrl: infra.postgres.url }, gateways: 1, ingestCdc: true, gatewayEnv: { LOG_LEVEL: 'warn' } });
try {
  const tenant = `bench${randomBytes(3).toString('hex')}`;
  const dbUrl = new URL(await infra.postgres.createDatabase(`${tenant}_db`));
  const db = new pg.Client({ connectionString: dbUrl.toString() });
  await db.connect();
  await db.query('CREATE TABLE items (id int PRIMARY KEY, v text, n numeric, at timestamptz DEFAULT now())');
  await db.query('CREATE PUBLICATION supabase_realtime FOR TABLE items');
  await db.query('CREATE PUBLICATION supabase_realtime_messages_publication');
  const admin = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(stack.apiJwtSecret));
  const res = await fetch(`${stack.admin.url}/api/tenants`, {
    method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: { name: tenant, external_id: tenant, jwt_secret: randomBytes(16).toString('hex'),
      extensions: [{ type: 'postgres_cdc_rls', settings: { db_host: dbUrl.hostname, db_port: dbUrl.port, db_name: dbUrl.pathname.slice(1), db_user: 'postgres', db_password: 'postgres', region: 'local' } }] } }),
  });
  if (res.status !== 201) throw new Error(`tenant: ${res.status}`);
  await waitForTenant(stack, tenant);
  while (!(await db.query(`SELECT 1 FROM pg_replication_slots WHERE active`)).rowCount) await new Promise((r) => setTimeout(r, 100));

  const log = createLogger({ service: 'bench', level: 'error' });
  let received = 0;
  let last = 0;
  const reader = await followTopic(createKafka({ brokers: infra.kafka.brokers, clientId: 'bench', logger: log }), {
    topic: topicNames(stack.topicPrefix).cdc, schema: 'ChangeEvent', groupId: uniqueName('bench'), logger: log,
    eachMessage: () => { received++; last = performance.now(); },
  });
  const t0 = performance.now();
  for (let i = 0; i < rows; i += perTxn) {
    await db.query(`INSERT INTO items SELECT x, 'row ' || x, x * 1.5 FROM generate_series($1::int, $2::int) x`, [i, i + perTxn - 1]);
  }
  const committed = performance.now();
  while (received < rows && performance.now() - committed < 120_000) await new Promise((r) => setTimeout(r, 50));
  const s = (ms: number) => (ms / 1000).toFixed(2);
  print(`ingest-cdc throughput, ${rows} rows in transactions of ${perTxn}`);
  print(`  committed to Postgres (baseline)  ${s(committed - t0)} s  ${Math.round(rows / ((committed - t0) / 1000))} rows/s`);
  print(`  in Kafka (realtime.cdc)           ${s(last - t0)} s  ${Math.round(received / ((last - t0) / 1000))} rows/s  (${received}/${rows}; last row ${s(last - committed)} s after the last commit)`);
  await reader.stop();
  await db.end();
} finally {
  await stack.stop();
  await infra.stop();
}
process.exit();
