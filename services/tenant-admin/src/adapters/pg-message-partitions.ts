// MessagePartitions over one short-lived connection to the tenant database. Every wait is bounded:
// connecting, the statement, and the locks a DROP of an old partition needs (it takes the parent
// table's lock, so waiting on a busy table must give up rather than queue the tenant's inserts).
// A database still on an older schema (the function taking a time came with migration 0002, and
// migrations only run when a tenant is written) is migrated first, then asked again.
import pg from 'pg';
import type { MessagePartitions } from '../ports.ts';
import { migrateTenantDb } from './pg-tenant-migrations.ts';

const UNDEFINED_FUNCTION = '42883';

export function createPgMessagePartitions(timeoutMs: number): MessagePartitions {
  const ensureOnce = async (target: Parameters<MessagePartitions['ensure']>[0], at: Date) => {
    const client = new pg.Client({
      ...target, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, statement_timeout: timeoutMs,
      lock_timeout: Math.max(100, Math.floor(timeoutMs / 4)), application_name: 'tenant-admin:partitions',
    });
    client.on('error', () => {}); // a dropped connection surfaces as the query's rejection
    try {
      await client.connect();
      await client.query('SELECT realtime.ensure_message_partitions($1::timestamptz)', [at.toISOString()]);
    } finally {
      await client.end().catch(() => {});
    }
  };
  return {
    async ensure(target, at) {
      try {
        await ensureOnce(target, at);
      } catch (err) {
        if ((err as { code?: string }).code !== UNDEFINED_FUNCTION) throw err;
        await migrateTenantDb(target, { connectMs: timeoutMs });
        await ensureOnce(target, at);
      }
    },
  };
}
