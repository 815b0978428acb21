// Runs a tenant's database migrations after it is created, updated or reloaded, without holding
// up the API answer, and retries with a growing delay (1 s → 30 s) while the database is
// unreachable or a migration fails, logging MigrationsFailedToRun each time. It holds state only
// for tenants with a migration pending: a success or cancel() (the tenant was deleted) forgets the
// tenant, so deleted tenants whose database is gone are not retried forever.
// schedule() hands back how the run went: the API answers a create with 201 once the first attempt
// succeeded (202 when it failed or took too long), and the store records the count on success.
import { ErrorCodes } from '@realtime/errors';
import type { Logger } from '@realtime/log';

export interface DbConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

export interface MigrationRun {
  /** The first attempt's outcome: true when it applied every migration. */
  first: Promise<boolean>;
  /** How many migrations the database has after the attempt that succeeded; null when the run was superseded, cancelled or closed first. */
  done: Promise<number | null>;
}

export interface MigrationScheduler {
  schedule(externalId: string, conn: DbConnection): MigrationRun;
  /** Forgets the tenant and its pending retry. */
  cancel(externalId: string): void;
  close(): void;
}

export function createMigrationScheduler(migrate: (conn: DbConnection) => Promise<number>, log: Logger, minMs = 1000, maxMs = 30_000): MigrationScheduler {
  const timers = new Map<string, NodeJS.Timeout>();
  const generation = new Map<string, number>();
  /** Settles the pending run of a tenant (its done promise) when it ends without success. */
  const abandon = new Map<string, () => void>();
  let closed = false;
  let lastGen = 0; // one counter for all tenants, so a forgotten tenant never reuses a generation
  const forget = (externalId: string) => {
    clearTimeout(timers.get(externalId));
    timers.delete(externalId);
    generation.delete(externalId);
    abandon.get(externalId)?.();
    abandon.delete(externalId);
  };
  interface Outcome { first(ok: boolean): void; done(count: number | null): void }
  const attempt = (externalId: string, conn: DbConnection, gen: number, failures: number, outcome: Outcome) => {
    migrate(conn).then(
      (count) => {
        outcome.first(true);
        outcome.done(count);
        if (generation.get(externalId) === gen) forget(externalId);
        log.info({ tenant: externalId, migrations: count }, 'tenant database migrated');
      },
      (err: unknown) => {
        outcome.first(false);
        if (closed || generation.get(externalId) !== gen) return;
        const delay = Math.min(maxMs, minMs * 2 ** failures);
        log.error({ code: ErrorCodes.MigrationsFailedToRun, tenant: externalId, err: err instanceof Error ? err.message : String(err), retryInMs: delay }, 'tenant migrations failed');
        timers.set(externalId, setTimeout(() => attempt(externalId, conn, gen, failures + 1, outcome), delay));
      },
    );
  };
  return {
    schedule(externalId, conn) {
      if (closed) return { first: Promise.resolve(false), done: Promise.resolve(null) };
      forget(externalId); // a newer run supersedes the pending one
      const gen = ++lastGen;
      generation.set(externalId, gen);
      let first!: (ok: boolean) => void;
      let done!: (count: number | null) => void;
      const run: MigrationRun = { first: new Promise((r) => (first = r)), done: new Promise((r) => (done = r)) };
      abandon.set(externalId, () => done(null));
      attempt(externalId, conn, gen, 0, { first, done });
      return run;
    },
    cancel: forget,
    close() {
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
      for (const settle of abandon.values()) settle();
    },
  };
}
