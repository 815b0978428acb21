// A whole stack of our services as processes over given infrastructure: tenant-admin with its own
// control database and N gateways, all on one unique topic prefix so tests never see each other.
import { request } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import pg from 'pg';
import { startService, type ServiceProcess } from './services.ts';

export interface StackInfra {
  kafkaBrokers: string[];
  pgUrl: string;
  /** Presence state (gateways read snapshots, presence-service writes). */
  redisUrl?: string;
  /** A Redis Cluster instead (host:port seeds, REDIS_CLUSTER_NODES); wins over redisUrl. */
  redisClusterNodes?: string[];
  /** Replication of the topics the services create (a Kafka cluster); else the settings' 1/1. */
  kafkaReplication?: { factor: number; minInsyncReplicas: number };
}

export interface StackOptions {
  infra: StackInfra;
  gateways?: number;
  name?: string;
  apiJwtSecret?: string;
  dbEncKey?: string;
  /** Ed25519 key pair of the audit checkpoints (base64 DER: PKCS#8, SPKI); default: a fresh pair. */
  auditKeys?: { privateKey: string; publicKey: string };
  gatewayEnv?: Record<string, string>;
  gatewayPorts?: number[];
  adminPort?: number;
  /** Also run an ingest-cdc worker. */
  ingestCdc?: boolean;
  /** Also run presence-service (needs infra.redisUrl). */
  presence?: boolean;
  /** Also run the ratelimiter. */
  ratelimiter?: boolean;
}

export interface Stack {
  admin: ServiceProcess;
  gateways: ServiceProcess[];
  ingestCdc: ServiceProcess | null;
  presence: ServiceProcess | null;
  ratelimiter: ServiceProcess | null;
  /** Starts another presence-service instance of this stack (e.g. after a kill). */
  startPresence(): Promise<ServiceProcess>;
  /** Starts another ingest-cdc worker of this stack (e.g. after a kill). */
  startIngestCdc(): Promise<ServiceProcess>;
  /** Starts another gateway of this stack (e.g. a rolling restart's replacement); added to `gateways`. */
  startGateway(): Promise<ServiceProcess>;
  /** Starts another ratelimiter instance of this stack (same consumer group). */
  startRatelimiter(): Promise<ServiceProcess>;
  apiJwtSecret: string;
  dbEncKey: string;
  /** ingest-cdc signs its chain checkpoints with the private key; tenant-admin's verify=1 checks with the public one. */
  auditKeys: { privateKey: string; publicKey: string };
  metricsJwtSecret: string;
  topicPrefix: string;
  controlDbUrl: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function createDatabase(superuserUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: superuserUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') throw err; // already exists: fine
  } finally {
    await client.end();
  }
  const url = new URL(superuserUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const name = options.name ?? `s${randomBytes(4).toString('hex')}`;
  const apiJwtSecret = options.apiJwtSecret ?? randomBytes(24).toString('hex');
  const dbEncKey = options.dbEncKey ?? randomBytes(32).toString('hex');
  const metricsJwtSecret = randomBytes(16).toString('hex');
  const auditKeys = options.auditKeys ?? newAuditKeys();
  const topicPrefix = `${name}.`;
  const controlDbUrl = await createDatabase(options.infra.pgUrl, `${name}_control`);
  const env = {
    KAFKA_BROKERS: options.infra.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: topicPrefix,
    DB_ENC_KEY: dbEncKey,
    METRICS_JWT_SECRET: metricsJwtSecret,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    ...(options.infra.redisUrl ? { REDIS_URL: options.infra.redisUrl } : {}),
    ...(options.infra.redisClusterNodes?.length ? { REDIS_CLUSTER_NODES: options.infra.redisClusterNodes.join(',') } : {}),
    ...(options.infra.kafkaReplication ? { KAFKA_TOPIC_REPLICATION_FACTOR: String(options.infra.kafkaReplication.factor), KAFKA_TOPIC_MIN_INSYNC_REPLICAS: String(options.infra.kafkaReplication.minInsyncReplicas) } : {}),
  };
  const admin = await startService('tenant-admin', { ...env, TENANT_ADMIN_AUDIT_PUBLIC_KEY: auditKeys.publicKey, API_JWT_SECRET: apiJwtSecret, CONTROL_DB_URL: controlDbUrl, OUTBOX_POLL_MS: '200' }, 'TENANT_ADMIN_LISTEN_PORT', options.adminPort);
  const gateways: ServiceProcess[] = [];
  let gatewaysStarted = 0;
  // Tests stop gateways with SIGTERM: their sockets are closed at once unless a test asks for a
  // drain window (rolling-restart.test.ts).
  const launchGateway = (i: number) => {
    const gwEnv = { ...env, GATEWAY_NODE_ID: `${name}-gw${i}`, CONNECT_ERROR_BACKOFF_MS: '0', CHANNEL_ERROR_BACKOFF_MS: '0', GATEWAY_DRAIN_WINDOW_MS: '0', ...options.gatewayEnv };
    return startService('gateway', gwEnv, 'GATEWAY_LISTEN_PORT', options.gatewayPorts?.[i]);
  };
  const startGateway = async () => {
    const gateway = await launchGateway(gatewaysStarted++);
    gateways.push(gateway);
    return gateway;
  };
  // The first gateways start side by side (each takes seconds to join Kafka); gateways[i] is gateway i.
  const launched = await Promise.allSettled(Array.from({ length: options.gateways ?? 1 }, () => launchGateway(gatewaysStarted++)));
  for (const r of launched) if (r.status === 'fulfilled') gateways.push(r.value);
  const failed = launched.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all([admin, ...gateways].map((s) => s.stop()));
    throw failed.reason;
  }
  const workers: ServiceProcess[] = [];
  const startIngestCdc = async () => {
    // Consumer groups per stack: kafkajs assigns a group's partitions across every topic its members
    // follow, so stacks with different topic prefixes must not share a group.
    const worker = await startService('ingest-cdc', { ...env, SLOT_NAME_SUFFIX: name.toLowerCase(), INGEST_CDC_GROUP_ID: `${name}-ingest-cdc`, INGEST_CDC_AUDIT_SIGNING_KEY: auditKeys.privateKey }, 'INGEST_CDC_LISTEN_PORT');
    workers.push(worker);
    return worker;
  };
  const startPresence = async () => {
    const service = await startService('presence-service', { ...env, PRESENCE_GROUP_ID: `${name}-presence-service` }, 'PRESENCE_LISTEN_PORT');
    workers.push(service);
    return service;
  };
  const startRatelimiter = async () => {
    const service = await startService('ratelimiter', { ...env, RATELIMITER_GROUP_ID: `${name}-ratelimiter` }, 'RATELIMITER_LISTEN_PORT');
    workers.push(service);
    return service;
  };
  // Side by side too: each only joins its own consumer group.
  const [ingestCdc, presence, ratelimiter] = await Promise.all([
    options.ingestCdc ? startIngestCdc() : null,
    options.presence ? startPresence() : null,
    options.ratelimiter ? startRatelimiter() : null,
  ]);
  return {
    admin, gateways, startGateway, ingestCdc, startIngestCdc, presence, startPresence, ratelimiter, startRatelimiter, apiJwtSecret, dbEncKey, auditKeys, metricsJwtSecret, topicPrefix, controlDbUrl, env,
    stop: async () => void (await Promise.all([...gateways, admin, ...workers].map((s) => s.stop()))),
  };
}

/** GET with an explicit Host header (Node's resolver does not map *.localhost to loopback). */
export function httpGet(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject).end();
  });
}

/** Resolves once every gateway knows the tenant (it arrived through realtime.tenants). */
export async function waitForTenant(stack: Stack, externalId: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const gw of stack.gateways) {
    while ((await httpGet(`${gw.url}/api/ping`, `${externalId}.localhost`)).status !== 200) {
      if (Date.now() > deadline) throw new Error(`gateway ${gw.url} did not learn tenant ${externalId}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Same for a deleted tenant. */
export async function waitForTenantGone(stack: Stack, externalId: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const gw of stack.gateways) {
    while ((await httpGet(`${gw.url}/api/ping`, `${externalId}.localhost`)).status === 200) {
      if (Date.now() > deadline) throw new Error(`gateway ${gw.url} still knows tenant ${externalId}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** An Ed25519 pair as the settings take it (libs/audit's generateAuditKeys; not imported, to keep this package's dependencies). */
function newAuditKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'), publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') };
}
