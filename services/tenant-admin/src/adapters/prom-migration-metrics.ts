// Tenant database migrations under the reference's names (its PromEx Migrations plugin): the
// duration of each run that succeeded, and failed runs by error code. Wraps the migrate function
// the scheduler calls, so the scheduler itself knows nothing about metrics.
import { client, type Registry } from '@realtime/metrics';

// The reference's Migrations.Buckets (ms).
const BUCKETS_MS = [100, 250, 500, 1000, 2000, 5000, 10_000, 20_000, 30_000, 45_000, 60_000, 90_000, 120_000];

/** The reference's error_code: the SQLSTATE of a Postgres error, `connection_error`, else `other`. */
export function migrationErrorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  if (typeof code === 'string' && code.startsWith('E')) return 'connection_error'; // ECONNREFUSED, ETIMEDOUT, ...
  if (err instanceof Error && /connect|Connection terminated/i.test(err.message)) return 'connection_error';
  return 'other';
}

export function timedMigrations<A extends unknown[]>(registry: Registry, migrate: (...args: A) => Promise<number>): (...args: A) => Promise<number> {
  const registers = [registry];
  const duration = new client.Histogram({ name: 'realtime_tenants_migrations_duration_milliseconds', help: 'Successful tenant database migration runs, ms (reference name)', buckets: BUCKETS_MS, registers });
  const exceptions = new client.Counter({ name: 'realtime_tenants_migrations_exceptions_total', help: 'Failed tenant database migration runs, by error code (reference name)', labelNames: ['error_code'], registers });
  return async (...args) => {
    const started = performance.now();
    try {
      const count = await migrate(...args);
      duration.observe(performance.now() - started);
      return count;
    } catch (err) {
      exceptions.inc({ error_code: migrationErrorCode(err) });
      throw err;
    }
  };
}
