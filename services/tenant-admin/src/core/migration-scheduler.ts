// Runs a tenant's database migrations after it is created, updated or reloaded, without holding
// up the API answer, and retries with a growing delay (1 s → 30 s) while the database is
// unreachable or a migration fails, logging MigrationsFailedToRun each time. It holds state only
// for tenants with a migration pending: a success or cancel() (the tenant was deleted) forgets the
// tenant, so deleted tenants whose database is gone are not retried forever.
import { ErrorCodes } from '@realtime/errors';
import type { Logger } from '@realtime/log';

export interface DbConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

export interface MigrationScheduler {
  schedule(externalId: string, conn: DbConnection): void;
  /** Forgets the tenant and its pending retry. */
  cancel(externalId: string): void;
  close(): void;
}

export function createMigrationScheduler(migrate: (conn: DbConnection) => Promise<number>, log: Logger, minMs = 1000, maxMs = 30_000): MigrationScheduler {
  const timers = new Map<string, NodeJS.Timeout>();
  const generation = new Map<string, number>();
  let closed = false;
  let lastGen = 0; // one counter for all tenants, so a forgotten tenant never reuses a generation
  const forget = (externalId: string) => {
    clearTimeout(timers.get(externalId));
    timers.delete(externalId);
    generation.delete(externalId);
  };
  const attempt = (externalId: string, conn: DbConnection, gen: number, failures: number) => {
    migrate(conn).then(
      (count) => {
        if (generation.get(externalId) === gen) forget(externalId);
        log.info({ tenant: externalId, migrations: count }, 'tenant database migrated');
      },
      (err: unknown) => {
        if (closed || generation.get(externalId) !== gen) return;
        const delay = Math.min(maxMs, minMs * 2 ** failures);
        log.error({ code: ErrorCodes.MigrationsFailedToRun, tenant: externalId, err: err instanceof Error ? err.message : String(err), retryInMs: delay }, 'tenant migrations failed');
        timers.set(externalId, setTimeout(() => attempt(externalId, conn, gen, failures + 1), delay));
      },
    );
  };
  return {
    schedule(externalId, conn) {
      if (closed) return;
      clearTimeout(timers.get(externalId));
      const gen = ++lastGen;
      generation.set(externalId, gen);
      attempt(externalId, conn, gen, 0);
    },
    cancel: forget,
    close() {
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
    },
  };
}
