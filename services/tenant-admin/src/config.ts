// tenant-admin settings (docs/PROTOCOL.md §8). Names follow the reference where it has one (API_JWT_SECRET,
// DB_ENC_KEY, TENANT_MAX_*); the docs generator and the docker-compose test read tenantAdminConfig.
import { defineConfig, env, setting, kafkaSettings, opsSettings } from '@realtime/config';
import { parseEncKey } from '@realtime/secrets';
import { parseVerifyKey } from '@realtime/audit';
import { RECOVERY_DEFAULTS } from '@realtime/schemas';
import { RECOVERY_CAP_MAX } from './core/tenant.ts';

export const tenantAdminConfig = defineConfig({
  service: 'tenant-admin',
  prefixes: ['TENANT_ADMIN_', 'TENANT_MAX_', 'API_JWT_'],
  settings: {
    listenPort: setting('TENANT_ADMIN_LISTEN_PORT', env.port(4001), 'HTTP port of the management API (/api/tenants, /healthcheck, /metrics)'),
    apiJwtSecret: setting('API_JWT_SECRET', env.secret(), 'Secret of the HS256 Bearer JWT the management API requires', { secret: true }),
    apiJwtSecretNext: setting('API_JWT_SECRET_NEXT', env.secret({ optional: true }), 'Second accepted API secret, for rotation (empty: none)', { secret: true }),
    apiTokenBlocklist: setting('API_TOKEN_BLOCKLIST', env.list(''), 'Comma-separated API tokens that are refused even when correctly signed', { secret: true }),
    dbEncKey: setting('DB_ENC_KEY', env.secret(), 'AES-256-GCM key for tenant secrets at rest (32 bytes: raw, 64 hex or base64)', { secret: true }),
    controlDbUrl: setting('CONTROL_DB_URL', env.requiredStr(), 'Postgres URL of the control database; tables live in schema _realtime', { secret: true }),
    ...kafkaSettings,
    maxConcurrentUsers: setting('TENANT_MAX_CONCURRENT_USERS', env.int(200), 'Default max_concurrent_users of a new tenant'),
    maxEventsPerSecond: setting('TENANT_MAX_EVENTS_PER_SECOND', env.int(100), 'Default max_events_per_second of a new tenant'),
    maxJoinsPerSecond: setting('TENANT_MAX_JOINS_PER_SECOND', env.int(100), 'Default max_joins_per_second of a new tenant'),
    maxChannelsPerClient: setting('TENANT_MAX_CHANNELS_PER_CLIENT', env.int(100), 'Default max_channels_per_client of a new tenant'),
    maxBytesPerSecond: setting('TENANT_MAX_BYTES_PER_SECOND', env.int(100_000), 'Default max_bytes_per_second of a new tenant; gateways and the ratelimiter enforce it on the tenant\'s inbound broadcast bytes as a token bucket refilled at this rate whose burst admits the largest message max_payload_size_in_kb allows, so one large message never trips it (the reference only stores it)'),
    maxPresenceEventsPerSecond: setting('TENANT_MAX_PRESENCE_EVENTS_PER_SECOND', env.int(1000), 'Default max_presence_events_per_second of a new tenant'),
    maxPayloadSizeInKb: setting('TENANT_MAX_PAYLOAD_SIZE_IN_KB', env.int(3000), 'Default max_payload_size_in_kb of a new tenant'),
    maxRecoveryEvents: setting('TENANT_MAX_RECOVERY_EVENTS', env.int(RECOVERY_DEFAULTS.max_recovery_events), `Default max_recovery_events of a new tenant: most frames one recovering join replays per stream (more: too_large); at most ${RECOVERY_CAP_MAX.max_recovery_events}`),
    maxRecoveryBytes: setting('TENANT_MAX_RECOVERY_BYTES', env.int(RECOVERY_DEFAULTS.max_recovery_bytes), `Default max_recovery_bytes of a new tenant: most bytes of matched records one recovering join replays per stream (more: too_large); at most ${RECOVERY_CAP_MAX.max_recovery_bytes} (1 GiB)`),
    ...opsSettings,
    outboxPollMs: setting('OUTBOX_POLL_MS', env.int(500), 'Outbox relay polling fallback (LISTEN/NOTIFY wakes it sooner); also how often a standby retries the relay lock'),
    partitionIntervalMs: setting('TENANT_ADMIN_PARTITION_INTERVAL_MS', env.int(3_600_000), 'How often every tenant database gets its realtime.messages partitions topped up (yesterday to +3 days) and old ones dropped'),
    partitionTimeoutMs: setting('TENANT_ADMIN_PARTITION_TIMEOUT_MS', env.int(10_000), 'Bound on one tenant database\'s partition upkeep (connect, statement, locks), so a database that is down delays only itself'),
    createMigrationWaitMs: setting('TENANT_ADMIN_CREATE_MIGRATION_WAIT_MS', env.int(10_000), 'How long POST/PUT creating a tenant waits for the first migration run of its database: 201 once it succeeded, 202 when it failed or is still running (it keeps retrying; GET /api/tenants/:id/health says migrated: true once done)'),
    redisUrl: setting('REDIS_URL', env.str(''), 'Redis of presence (the one presence-service uses), read only for the presence members GET /api/cluster shows; empty (and no REDIS_CLUSTER_NODES): not shown'),
    redisClusterNodes: setting('REDIS_CLUSTER_NODES', env.list(''), 'Redis Cluster seed nodes of presence (host:port, comma-separated); set, it replaces REDIS_URL'),
    auditPublicKey: setting('TENANT_ADMIN_AUDIT_PUBLIC_KEY', env.str(''), 'Ed25519 public key (PEM, or base64 of the SPKI DER) of ingest-cdc\'s INGEST_CDC_AUDIT_SIGNING_KEY: GET /api/tenants/:id/changes?verify=1 checks the checkpoints with it (empty: verify=1 answers 422)'),
    partitionConcurrency: setting('TENANT_ADMIN_PARTITION_CONCURRENCY', env.int(4), 'Tenant databases whose partitions are kept at the same time'),
  },
  check: (c) => {
    const problems: string[] = [];
    try { parseEncKey(c.dbEncKey); } catch { problems.push('DB_ENC_KEY: must be 32 raw characters, 64 hex characters or base64 of 32 bytes'); }
    try { if (c.auditPublicKey) parseVerifyKey(c.auditPublicKey); } catch (err) { problems.push(`TENANT_ADMIN_AUDIT_PUBLIC_KEY: ${(err as Error).message}`); }
    for (const [env, value] of Object.entries(tenantDefaultsEnv(c))) if (value <= 0) problems.push(`${env}: must be a positive integer`);
    for (const [field, max] of Object.entries(RECOVERY_CAP_MAX)) {
      if (tenantDefaults(c)[field as keyof typeof RECOVERY_CAP_MAX] > max) problems.push(`TENANT_${field.toUpperCase()}: must be at most ${max}`);
    }
    if (c.outboxPollMs <= 0) problems.push('OUTBOX_POLL_MS: must be positive');
    for (const [name, v] of [['TENANT_ADMIN_PARTITION_INTERVAL_MS', c.partitionIntervalMs], ['TENANT_ADMIN_PARTITION_TIMEOUT_MS', c.partitionTimeoutMs], ['TENANT_ADMIN_PARTITION_CONCURRENCY', c.partitionConcurrency]] as const) {
      if (v <= 0) problems.push(`${name}: must be positive`);
    }
    return problems;
  },
});

function tenantDefaultsEnv(c: TenantAdminConfig): Record<string, number> {
  return Object.fromEntries(Object.entries(tenantDefaults(c)).map(([k, v]) => [`TENANT_${k.toUpperCase()}`, v]));
}

export type TenantAdminConfig = ReturnType<typeof tenantAdminConfig.load>['config'];

/** The TENANT_MAX_* values that fill a new tenant's limits (docs/PROTOCOL.md §8). */
export function tenantDefaults(c: TenantAdminConfig) {
  return {
    max_concurrent_users: c.maxConcurrentUsers,
    max_events_per_second: c.maxEventsPerSecond,
    max_joins_per_second: c.maxJoinsPerSecond,
    max_channels_per_client: c.maxChannelsPerClient,
    max_bytes_per_second: c.maxBytesPerSecond,
    max_presence_events_per_second: c.maxPresenceEventsPerSecond,
    max_payload_size_in_kb: c.maxPayloadSizeInKb,
    max_recovery_events: c.maxRecoveryEvents,
    max_recovery_bytes: c.maxRecoveryBytes,
  };
}
