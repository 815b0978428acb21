// `npm start`: the whole stack on this machine. Infrastructure as local processes (data kept in
// .realtime/ between runs), tenant-admin and two gateways as child processes, the default tenant
// `realtime-dev` (secrets as in the reference's README), one origin at http://localhost:4000.
// Writes .realtime/stack.json for tools; Ctrl-C stops everything.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { generateAuditKeys } from '@realtime/audit';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { print } from '@realtime/log';
import { startKafka, startPostgres, startRedis, startRedisCluster } from '@realtime/testing';
import { startStack, waitForTenant } from '@realtime/testing/stack';
import { createSupabaseDatabase } from '@realtime/testing/supabase-db';
import { startEdge } from './stack/edge.ts';
import { signToken as sign } from './realtime/sign.ts';

const root = join(import.meta.dirname, '..');
// STACK_DIR and STACK_PORT let a test run a second stack beside a developer's own.
const dir = process.env.STACK_DIR ?? join(root, '.realtime');
mkdirSync(dir, { recursive: true });

// The default tenant's jwt_secret is the reference README's, so its example tokens verify here: a
// tenant secret, chosen by whoever creates the tenant. The service secrets are ours: random, made
// on the first start and kept in .realtime/secrets.json beside the data they protect (DB_ENC_KEY
// encrypts the tenant secrets in the control database, so it must survive restarts).
const TENANT = 'realtime-dev';
const JWT_SECRET = 'a1d99c8b-91b6-47b2-8f3c-aa7d9a9ad20f';
const { apiJwtSecret: API_JWT_SECRET, dbEncKey: DB_ENC_KEY } = serviceSecrets(join(dir, 'secrets.json'));
const port = Number(process.env.STACK_PORT ?? 4000);
// STACK_REDIS_CLUSTER=1: presence on a Redis Cluster (3 masters, 3 replicas) instead of one server.
const redisCluster = process.env.STACK_REDIS_CLUSTER === '1';

print('starting Kafka, Postgres and Redis …');
const [kafka, postgres, redis] = await Promise.all([
  startKafka({ dataDir: join(dir, 'kafka') }),
  startPostgres({ dataDir: join(dir, 'postgres') }),
  redisCluster ? startRedisCluster() : startRedis(),
]);
const redisInfra = 'nodes' in redis ? { redisClusterNodes: redis.nodes } : { redisUrl: redis.url };
const infra = { kafkaBrokers: kafka.brokers, pgUrl: postgres.url, ...redisInfra };
print('starting tenant-admin, ingest-cdc, presence-service, the ratelimiter and two gateways …');
// The Inspector (/inspector) is on here only, offering the default tenant and its public anon key.
const anonKey = await sign(JWT_SECRET, { role: 'anon' }, '1d');
const inspectorEnv = { GATEWAY_INSPECTOR: 'true', GATEWAY_INSPECTOR_TENANT: TENANT, GATEWAY_INSPECTOR_ANON_KEY: anonKey };
// The audit key pair is kept too: checkpoints signed before a restart must still verify after it.
const auditKeys = keptAuditKeys(join(dir, 'audit-keys.json'));
writeFileSync(join(dir, 'audit.pub'), `${auditKeys.publicKey}\n`); // for replay --verify --public-key .realtime/audit.pub
const stack = await startStack({ infra, gateways: 2, ingestCdc: true, presence: true, ratelimiter: true, name: 'local', apiJwtSecret: API_JWT_SECRET, dbEncKey: DB_ENC_KEY, auditKeys, gatewayEnv: { CONNECT_ERROR_BACKOFF_MS: '2000', CHANNEL_ERROR_BACKOFF_MS: '5000', ...inspectorEnv } });

const adminToken = await sign(API_JWT_SECRET, { role: 'admin' }, '1d');
const tenantDbUrl = await createSupabaseDatabase(postgres.url, 'realtime_dev');
const db = new URL(tenantDbUrl);
const res = await fetch(`${stack.admin.url}/api/tenants/${TENANT}`, {
  method: 'PUT',
  headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
  body: JSON.stringify({ tenant: {
    name: TENANT, external_id: TENANT, jwt_secret: JWT_SECRET,
    extensions: [{ type: 'postgres_cdc_rls', settings: { db_host: db.hostname, db_port: db.port, db_name: 'realtime_dev', db_user: 'postgres', db_password: 'postgres', region: 'local' } }],
  } }),
});
if (!res.ok) throw new Error(`could not create ${TENANT}: ${res.status} ${await res.text()}`);
await waitForTenant(stack, TENANT);

const edge = await startEdge({ port, adminPort: stack.admin.port, gatewayPorts: stack.gateways.map((g) => g.port) });
const url = `http://localhost:${port}`;
const details = {
  url,
  wsUrl: `ws://${TENANT}.localhost:${port}/socket/websocket`,
  tenant: TENANT,
  jwtSecret: JWT_SECRET,
  anonKey,
  serviceKey: await sign(JWT_SECRET, { role: 'service_role' }, '1d'),
  apiJwtSecret: API_JWT_SECRET,
  adminToken,
  tenantDbUrl,
  kafkaBrokers: kafka.brokers,
  topicPrefix: stack.topicPrefix,
  ...redisInfra,
  gateways: stack.gateways.map((g) => g.url),
  tenantAdmin: stack.admin.url,
  logs: join(root, '.cache/logs'),
  auditPublicKeyFile: join(dir, 'audit.pub'),
};
writeFileSync(join(dir, 'stack.json'), JSON.stringify(details, null, 2) + '\n');
print(`
Realtime is running at ${url}
  WebSocket: ${details.wsUrl}
  supabase-js: createClient('http://${TENANT}.localhost:${port}', '<anonKey>')
  Inspector: ${url}/inspector (cluster view: ${url}/inspector#cluster with the adminToken of stack.json)
  anon token (24 h): ${details.anonKey}
  details for tools: ${join(dir, 'stack.json')}
Ctrl-C stops everything.`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  print('stopping …');
  edge.close();
  await stack.stop();
  await Promise.all([kafka.stop(), postgres.stop(), redis.stop()]);
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

function serviceSecrets(file: string): { apiJwtSecret: string; dbEncKey: string } {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { apiJwtSecret: string; dbEncKey: string };
  const secrets = { apiJwtSecret: randomBytes(32).toString('hex'), dbEncKey: randomBytes(32).toString('hex') };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

function keptAuditKeys(file: string): { privateKey: string; publicKey: string } {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { privateKey: string; publicKey: string };
  const keys = generateAuditKeys();
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}
