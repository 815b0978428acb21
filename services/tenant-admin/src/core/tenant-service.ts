// The management API's use cases, free of HTTP and SQL: the transport maps results to status codes.
import { hostname } from 'node:os';
import type { ConnectedUsers, TenantDbProbe, TenantSlotReader, TenantStore } from '../ports.ts';
import type { FieldErrors, TenantInput } from './tenant-input.ts';
import type { TenantLimitDefaults, TenantRow } from './tenant.ts';
import { decideUpsert } from './upsert.ts';
import { decryptSettings, tenantView, type TenantJson } from './tenant-view.ts';
import type { TenantHealthJson, TenantReplicationJson } from './api-schemas.ts';
import { decrypt, isEncrypted, mapJwkSecrets } from '@realtime/secrets';
import type { DbConnection, MigrationScheduler } from './migration-scheduler.ts';

export interface TenantServiceDeps {
  store: TenantStore;
  probe: TenantDbProbe;
  defaults: TenantLimitDefaults;
  key: Buffer;
  node?: string;
  migrations?: MigrationScheduler;
  /** How many tenant-database migrations exist: health's `migrated` compares the stored count to it. */
  migrationCount?: number;
  /** How long a create waits for the tenant database's first migration run before answering 202. */
  createWaitMs?: number;
  /** Users connected to each tenant across the cluster (gateway usage reports). */
  users?: ConnectedUsers;
  /** Reads a tenant database's replication slots (GET /api/tenants/:id/replication). */
  slots?: TenantSlotReader;
}

/** The tenant database's connection, from its CDC extension settings (decrypted). */
export function tenantDbConnection(row: TenantRow, key: Buffer): DbConnection | null {
  const ext = row.extensions.find((e) => e.type === row.postgres_cdc_default) ?? row.extensions[0];
  if (!ext) return null;
  const settings = decryptSettings(ext.settings, key);
  const port = Number(settings.db_port);
  if (!Number.isInteger(port)) return null;
  return {
    host: String(settings.db_host ?? ''),
    port,
    database: String(settings.db_name ?? ''),
    user: String(settings.db_user ?? ''),
    password: String(settings.db_password ?? ''),
  };
}

/** `migrated` (created only): false when the first migration run failed or outlasted createWaitMs; it goes on in the background. */
export type UpsertResult =
  | { kind: 'created'; tenant: TenantJson; migrated: boolean }
  | { kind: 'updated'; tenant: TenantJson }
  | { kind: 'invalid'; errors: FieldErrors };

/** `migrated` is not in the reference: the tenant database has every migration (poll it after a 202 create). */
export type TenantHealth = TenantHealthJson;

export function createTenantService(deps: TenantServiceDeps) {
  const view = (row: TenantRow) => tenantView(row, deps.key);
  const node = deps.node ?? hostname();
  /** Starts the tenant database's migrations; resolves with the first attempt's outcome (true without a database). */
  const migrate = (row: TenantRow): Promise<boolean> => {
    const conn = tenantDbConnection(row, deps.key);
    if (!conn || !deps.migrations) return Promise.resolve(true);
    const run = deps.migrations.schedule(row.external_id, conn);
    void run.done.then((count) => (count === null ? undefined : deps.store.setMigrationsRan(row.external_id, count)))
      .catch(() => {}); // the count is advisory: the next successful run writes it again
    return run.first;
  };
  const waitMs = deps.createWaitMs ?? 10_000;
  return {
    async list(): Promise<TenantJson[]> {
      return (await deps.store.list()).map(view);
    },
    count: () => deps.store.count(),
    async get(externalId: string): Promise<TenantJson | null> {
      const row = await deps.store.get(externalId);
      return row ? view(row) : null;
    },
    async upsert(externalId: string, input: TenantInput): Promise<UpsertResult> {
      let before: string | undefined;
      const result = await deps.store.upsert<FieldErrors>(externalId, (existing) => {
        before = existing ? JSON.stringify(tenantDbConnection(existing, deps.key)) : undefined;
        const decision = decideUpsert(existing, externalId, input, deps.defaults, deps.key);
        return decision.ok ? { write: decision.write } : { reject: decision.errors };
      });
      if ('reject' in result) return { kind: 'invalid', errors: result.reject };
      // Another database: its migrations are not known to have run (health's `migrated`) until they do.
      if (!result.created && before !== JSON.stringify(tenantDbConnection(result.row, deps.key))) await deps.store.setMigrationsRan(externalId, 0);
      const first = migrate(result.row);
      if (!result.created) return { kind: 'updated', tenant: view(result.row) };
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs)));
      const migrated = await Promise.race([first, late]).finally(() => clearTimeout(timer));
      return { kind: 'created', tenant: view(result.row), migrated };
    },
    /**
     * Tenants written before JWK key material was encrypted at rest get it encrypted now (run at
     * start; a no-op once done). Goes through the ordinary upsert, so the outbox republishes them.
     */
    async encryptStoredJwks(): Promise<string[]> {
      const done: string[] = [];
      for (const row of await deps.store.list()) {
        if (!jwkSecretsInClear(row.jwt_jwks)) continue;
        const result = await deps.store.upsert<null>(row.external_id, (existing) => {
          if (!existing || !jwkSecretsInClear(existing.jwt_jwks)) return { reject: null };
          let plain: TenantInput['jwt_jwks'];
          try {
            plain = mapJwkSecrets(existing.jwt_jwks, (v) => (isEncrypted(v) ? decrypt(v, deps.key) : v)) as TenantInput['jwt_jwks'];
          } catch {
            return { reject: null }; // ciphertext of another key: leave the row for an operator
          }
          const decision = decideUpsert(existing, existing.external_id, { jwt_jwks: plain }, deps.defaults, deps.key);
          return decision.ok ? { write: decision.write } : { reject: null };
        });
        if (!('reject' in result)) done.push(row.external_id);
      }
      return done;
    },
    async delete(externalId: string) {
      await deps.store.delete(externalId);
      deps.migrations?.cancel(externalId);
    },
    /** A new reload_seq: gateways drain the tenant's sockets; its migrations run again. */
    async reload(externalId: string) {
      const found = await deps.store.bump(externalId, 'reload');
      const row = found ? await deps.store.get(externalId) : null;
      if (row) void migrate(row);
      return found;
    },
    /**
     * A new shutdown_seq (TenantSnapshot v2): gateways disconnect the tenant's sockets and close
     * their pools to its database, ingest-cdc stops its replication and starts a fresh one. The
     * tenant stays configured: the next connect is served as usual.
     */
    async shutdown(externalId: string) {
      return deps.store.bump(externalId, 'shutdown');
    },
    /**
     * db_connected: the tenant database accepts a connection; replication_connected: its replication
     * slot is active (ingest-cdc streams it). A tenant with a CDC extension is healthy only with both.
     */
    async health(externalId: string): Promise<TenantHealth | null> {
      const row = await deps.store.get(externalId);
      if (!row) return null;
      const ext = row.extensions.find((e) => e.type === row.postgres_cdc_default) ?? row.extensions[0];
      const settings = ext ? decryptSettings(ext.settings, deps.key) : {};
      const conn = tenantDbConnection(row, deps.key);
      const status = conn ? await deps.probe.check(conn) : { connected: false, replicating: false };
      const db_connected = status.connected;
      const replication_connected = db_connected && status.replicating;
      const healthy = ext ? db_connected && replication_connected : db_connected;
      const region = typeof settings.region === 'string' ? settings.region : null;
      const connected_cluster = deps.users?.connected(externalId) ?? 0;
      const migrated = !conn || row.migrations_ran >= (deps.migrationCount ?? 0);
      return { healthy, db_connected, replication_connected, connected_cluster, region, node, migrated };
    },
    /** The tenant's replication slots with their lag and owner; null for an unknown tenant. */
    async replication(externalId: string): Promise<TenantReplicationJson | null> {
      const row = await deps.store.get(externalId);
      if (!row) return null;
      const conn = tenantDbConnection(row, deps.key);
      if (!conn || !deps.slots) return { db_connected: false, error: 'the tenant has no database settings', slots: [] };
      try {
        return { db_connected: true, slots: await deps.slots.read(conn) };
      } catch (err) {
        return { db_connected: false, error: err instanceof Error ? err.message : String(err), slots: [] };
      }
    },
  };
}

export type TenantService = ReturnType<typeof createTenantService>;

function jwkSecretsInClear(jwks: unknown): boolean {
  let clear = false;
  mapJwkSecrets(jwks, (v) => { if (!isEncrypted(v)) clear = true; return v; });
  return clear;
}
