// Versioned, idempotent migrations of a tenant database (tenant-db/NNNN_*.sql). Each runs in its
// own transaction, all under one advisory lock, and is recorded in realtime.schema_migrations, so
// concurrent or repeated runs apply each version exactly once. Daily message partitions are
// topped up on every run.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPgClient } from '@realtime/pg';

const dir = join(import.meta.dirname, '../tenant-db');
const LOCK = 7_331_001; // advisory lock key of tenant migrations

export const tenantMigrations = readdirSync(dir)
  .filter((f) => /^\d{4}_.+\.sql$/.test(f))
  .sort()
  .map((f) => ({ version: Number(f.slice(0, 4)), name: f, sql: readFileSync(join(dir, f), 'utf8') }));

export interface TenantDbConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
}

/**
 * Every wait is bounded, so a tenant database that hangs (or a lock another session never
 * releases) fails the attempt and the scheduler retries later, instead of holding it forever.
 */
export interface MigrationTimeouts {
  connectMs: number;
  /** Waiting for the migration lock or a table lock a migration needs. */
  lockMs: number;
  statementMs: number;
}
const TIMEOUTS: MigrationTimeouts = { connectMs: 5000, lockMs: 30_000, statementMs: 120_000 };

/** Applies the missing migrations; returns how many migrations the database now has. */
export async function migrateTenantDb(conn: TenantDbConnection, timeouts: Partial<MigrationTimeouts> = {}): Promise<number> {
  const t = { ...TIMEOUTS, ...timeouts };
  const client = createPgClient(conn, {
    connectMs: t.connectMs, lockMs: t.lockMs, statementMs: t.statementMs,
    queryMs: t.statementMs + 1000, applicationName: 'tenant-admin:migrations',
  });
  client.on('error', () => {}); // a dropped connection surfaces as the pending query's rejection
  await client.connect();
  // One session-level lock around everything: even CREATE ... IF NOT EXISTS races with itself
  // (duplicate pg_type rows) when two tenant-admin replicas migrate the same database at once.
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK]);
    await client.query('CREATE SCHEMA IF NOT EXISTS realtime');
    await client.query('CREATE TABLE IF NOT EXISTS realtime.schema_migrations (version bigint PRIMARY KEY, inserted_at timestamp NOT NULL DEFAULT now())');
    for (const m of tenantMigrations) {
      const done = await client.query('SELECT 1 FROM realtime.schema_migrations WHERE version = $1', [m.version]);
      if (done.rowCount) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO realtime.schema_migrations (version) VALUES ($1)', [m.version]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    }
    await client.query('SELECT realtime.ensure_message_partitions()');
    return (await client.query('SELECT count(*)::int AS n FROM realtime.schema_migrations')).rows[0].n as number;
  } finally {
    await client.end(); // ends the session, which releases the advisory lock
  }
}
