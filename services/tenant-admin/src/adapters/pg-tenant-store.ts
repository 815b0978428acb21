// TenantStore over the control DB. Every change and its outbox row commit in one transaction
// (the outbox trigger NOTIFYs the relay on commit); a per-tenant advisory lock serialises writers
// of one external_id, including two concurrent creates.
import type { PgPool, PgPoolClient } from '@realtime/pg';
import type { TenantStore } from '../ports.ts';
import type { TenantRow, TenantWrite } from '../core/tenant.ts';
import { loadTenant, loadTenants, writeTenant } from './pg-tenant-rows.ts';

const TENANT_LOCK_SPACE = 72_410;

export function createPgTenantStore(pool: PgPool): TenantStore {
  async function inTenantTx<T>(externalId: string, work: (c: PgPoolClient) => Promise<{ commit: boolean; value: T }>): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [TENANT_LOCK_SPACE, externalId]);
      const { commit, value } = await work(client);
      await client.query(commit ? 'COMMIT' : 'ROLLBACK');
      return value;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }
  const enqueue = (c: PgPoolClient, externalId: string) =>
    c.query('INSERT INTO _realtime.outbox (tenant_external_id) VALUES ($1)', [externalId]);

  return {
    list: () => loadTenants(pool),
    count: async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM _realtime.tenants')).rows[0]!.n,
    get: (externalId) => loadTenant(pool, externalId),
    upsert<R>(externalId: string, decide: (existing: TenantRow | null) => { write: TenantWrite } | { reject: R }) {
      type Result = { created: boolean; row: TenantRow } | { reject: R };
      return inTenantTx<Result>(externalId, async (c) => {
        const existing = await loadTenant(c, externalId, true);
        const decision = decide(existing);
        if ('reject' in decision) return { commit: false, value: { reject: decision.reject } };
        await writeTenant(c, decision.write, existing !== null);
        await enqueue(c, externalId);
        const row = (await loadTenant(c, externalId))!;
        return { commit: true, value: { created: existing === null, row } };
      });
    },
    delete(externalId) {
      return inTenantTx(externalId, async (c) => {
        await c.query('DELETE FROM _realtime.tenants WHERE external_id = $1', [externalId]);
        await enqueue(c, externalId);
        return { commit: true, value: undefined };
      });
    },
    bump(externalId, counter) {
      const column = counter === 'reload' ? 'reload_seq' : 'shutdown_seq';
      return inTenantTx(externalId, async (c) => {
        const r = await c.query(`UPDATE _realtime.tenants SET ${column} = ${column} + 1,
          version = nextval('_realtime.tenant_version_seq') WHERE external_id = $1`, [externalId]);
        if (r.rowCount === 0) return { commit: false, value: false };
        await enqueue(c, externalId);
        return { commit: true, value: true };
      });
    },
    async setMigrationsRan(externalId, count) {
      // Not part of the snapshot: no version bump, no outbox row.
      await pool.query('UPDATE _realtime.tenants SET migrations_ran = $2 WHERE external_id = $1', [externalId, count]);
    },
  };
}
