// Builds tenant-admin from its config: control DB (migrations, store, outbox), Kafka publisher,
// the outbox relay and the HTTP API. Tests may override the publisher, probe or logger.
import { ErrorCodes } from '@realtime/errors';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { createPgPool } from '@realtime/pg';
import { createLogger, type Logger } from '@realtime/log';
import { client as prom, createRegistry } from '@realtime/metrics';
import { createKafka, ensureTopics, topicNames } from '@realtime/kafka';
import { parseEncKey } from '@realtime/secrets';
import { tenantDefaults, type TenantAdminConfig } from './config.ts';
import type { ChangeHistory, ConnectedUsers, RecentUsage, SnapshotPublisher, TenantDbProbe } from './ports.ts';
import { migrate } from './adapters/pg-migrations.ts';
import { createPgTenantStore } from './adapters/pg-tenant-store.ts';
import { createPgOutbox } from './adapters/pg-outbox.ts';
import { createPgTenantProbe } from './adapters/pg-tenant-probe.ts';
import { createPgSlotReader } from './adapters/pg-tenant-slots.ts';
import { startKafkaSnapshotPublisher } from './adapters/kafka-snapshot-publisher.ts';
import { createKafkaChangeHistory } from './adapters/kafka-change-history.ts';
import { parseVerifyKey } from '@realtime/audit';
import { createTenantService, tenantDbConnection } from './core/tenant-service.ts';
import { UsageTally } from './core/connected-users.ts';
import { startOutboxRelay } from './core/outbox-relay.ts';
import { createMigrationScheduler } from './core/migration-scheduler.ts';
import { migrateTenantDb, tenantMigrations } from './adapters/pg-tenant-migrations.ts';
import { timedMigrations } from './adapters/prom-migration-metrics.ts';
import { followUsage } from './adapters/kafka-usage-reader.ts';
import { followLimits } from './adapters/kafka-limits-reader.ts';
import { createKafkaConsumerLag } from './adapters/kafka-consumer-lag.ts';
import { createPgReplicationSlots } from './adapters/pg-replication-slots.ts';
import { createRedisPresenceMembers } from './adapters/redis-presence-members.ts';
import { ThrottleTable } from './core/throttles.ts';
import { clusterOverview } from './core/cluster.ts';
import { startPartitionKeeper } from './core/partition-keeper.ts';
import { createPgMessagePartitions } from './adapters/pg-message-partitions.ts';
import { createHttpApp } from './transport/http.ts';

export interface TenantAdminOverrides {
  log?: Logger;
  publisher?: SnapshotPublisher;
  probe?: TenantDbProbe;
  changes?: ChangeHistory;
  users?: ConnectedUsers;
}

export interface RunningTenantAdmin {
  address: { port: number };
  close(): Promise<void>;
}

export async function start(config: TenantAdminConfig, overrides: TenantAdminOverrides = {}): Promise<RunningTenantAdmin> {
  const log = overrides.log ?? createLogger({ service: 'tenant-admin', level: config.logLevel });
  const key = parseEncKey(config.dbEncKey);
  const registry = createRegistry('tenant-admin');
  const published = new prom.Counter({ name: 'realtime_tenant_admin_outbox_published_total', help: 'Outbox entries published to realtime.tenants', registers: [registry] });
  const leader = new prom.Gauge({ name: 'realtime_tenant_admin_outbox_relay_leader', help: '1 while this instance runs the outbox relay', registers: [registry] });

  const pool = createPgPool({ connectionString: config.controlDbUrl }, { max: 10, applicationName: 'tenant-admin' });
  pool.on('error', (err) => log.warn({ code: ErrorCodes.UnableCheckoutConnection, err: err.message }, 'idle control DB connection failed'));
  const closers: (() => Promise<void>)[] = [() => pool.end()];
  let closing: Promise<void> | undefined;
  const closeAll = () => (closing ??= (async () => {
    for (const c of [...closers].reverse()) await c().catch((err) => log.warn({ err: String(err) }, 'close failed'));
  })());

  try {
    const applied = await migrate(pool);
    if (applied.length > 0) log.info({ applied }, 'control DB migrated');

    const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'tenant-admin', logger: log }); // connects on use
    if (!overrides.publisher || !overrides.users) await ensureTopics(kafka, config.topicPrefix, {}, config);
    let publisher = overrides.publisher;
    if (!publisher) {
      const kafkaPublisher = await startKafkaSnapshotPublisher(kafka, topicNames(config.topicPrefix).tenants, log);
      closers.push(() => kafkaPublisher.close());
      publisher = kafkaPublisher;
    }

    const relay = startOutboxRelay({
      source: createPgOutbox({ connectionString: config.controlDbUrl, log }),
      publisher,
      pollMs: config.outboxPollMs,
      log,
      onLeadership: (leading) => leader.set(leading ? 1 : 0),
      onPublished: (n) => published.inc(n),
    });
    closers.push(() => relay.stop());

    const migrations = createMigrationScheduler(timedMigrations(registry, migrateTenantDb), log);
    closers.push(async () => migrations.close());
    const store = createPgTenantStore(pool);
    const partitionRuns = new prom.Counter({ name: 'realtime_tenant_admin_partition_runs_total', help: 'Tenant databases whose message partitions were kept, by result', labelNames: ['result'], registers: [registry] });
    for (const result of ['ok', 'failed']) partitionRuns.inc({ result }, 0);
    const keeper = startPartitionKeeper({
      targets: async () => (await store.list()).flatMap((row) => {
        const db = tenantDbConnection(row, key);
        return db ? [{ externalId: row.external_id, db }] : [];
      }),
      partitions: createPgMessagePartitions(config.partitionTimeoutMs),
      now: () => new Date(),
      log,
      intervalMs: config.partitionIntervalMs,
      timeoutMs: config.partitionTimeoutMs,
      concurrency: config.partitionConcurrency,
      onResult: (ok) => partitionRuns.inc({ result: ok ? 'ok' : 'failed' }),
    });
    closers.push(() => keeper.stop());
    const node = `${hostname()}-${randomBytes(3).toString('hex')}`;
    let users = overrides.users;
    let recent: RecentUsage = { fresh: () => [] };
    const throttles = new ThrottleTable();
    if (!users) {
      const tally = new UsageTally(() => Date.now());
      const usage = await followUsage(kafka, topicNames(config.topicPrefix).usage, node, log, (report) => tally.add(report));
      closers.push(() => usage.stop());
      const limits = await followLimits(kafka, topicNames(config.topicPrefix).limits, log, throttles);
      closers.push(() => limits.stop());
      users = recent = tally;
    }
    const tenants = createTenantService({
      store, probe: overrides.probe ?? createPgTenantProbe(), defaults: tenantDefaults(config), key, migrations,
      migrationCount: tenantMigrations.length, createWaitMs: config.createMigrationWaitMs, users, node, slots: createPgSlotReader(),
    });
    const reEncrypted = await tenants.encryptStoredJwks();
    if (reEncrypted.length > 0) log.info({ tenants: reEncrypted }, 'encrypted JWK key material stored in clear');
    const presenceRedis = { url: config.redisUrl, clusterNodes: config.redisClusterNodes };
    const presence = presenceRedis.url || presenceRedis.clusterNodes.length ? createRedisPresenceMembers(presenceRedis) : null;
    if (presence) closers.push(() => presence.close());
    const app = createHttpApp({
      tenants, registry, log, metricsJwtSecret: config.metricsJwtSecret, users, node, startedAt: Date.now(),
      cluster: clusterOverview({
        node, usage: recent, throttles, store, key, now: Date.now,
        lag: createKafkaConsumerLag(kafka, config.topicPrefix), slots: createPgReplicationSlots(), presence,
      }),
      changes: overrides.changes ?? createKafkaChangeHistory(kafka, topicNames(config.topicPrefix), log, config.auditPublicKey ? parseVerifyKey(config.auditPublicKey) : null),
      auth: { secrets: [config.apiJwtSecret, config.apiJwtSecretNext], blocklist: config.apiTokenBlocklist },
    });
    const server = createServer(app);
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(config.listenPort, resolve));
    closers.push(() => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }));
    const port = (server.address() as AddressInfo).port;
    log.info({ port }, 'tenant-admin listening');
    return { address: { port }, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
