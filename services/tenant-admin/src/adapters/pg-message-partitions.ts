// MessagePartitions over one short-lived connection to the tenant database. Every wait is bounded:
// connecting, the statement, and the locks a DROP of an old partition needs (it takes the parent
// table's lock, so waiting on a busy table must give up rather than queue the tenant's inserts).
// A database still on an older schema (the function taking a time came with migration 0002, and
// migrations only run when a tenant is written) is migrated first, then asked again.
import { createPgClient, hasSqlState, SqlState } from '@realtime/pg';
import type { MessagePartitions } from '../ports.ts';
import { migrateTenantDb } from './pg-tenant-migrations.ts';

export function createPgMessagePartitions(timeoutMs: number): MessagePartitions {
  const ensureOnce = async (target: Parameters<MessagePartitions['ensure']>[0], at: Date) => {
    const client = createPgClient(target, {
      connectMs: timeoutMs, queryMs: timeoutMs, statementMs: timeoutMs,
      lockMs: Math.max(100, Math.floor(timeoutMs / 4)), applicationName: 'tenant-admin:partitions',
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
        if (!hasSqlState(err, SqlState.UndefinedFunction)) throw err;
        await migrateTenantDb(target, { connectMs: timeoutMs });
        await ensureOnce(target, at);
      }
    },
  };
}
