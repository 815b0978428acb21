// Health probe of a tenant database: one short-lived connection, bounded in time, that also asks
// whether the tenant's replication slot is active, i.e. an ingest-cdc worker streams it. The
// pg_replication_slots view lists the slots of every database in the cluster, so it is filtered
// to this one (tenants may share a Postgres server); the LIKE covers SLOT_NAME_SUFFIX variants.
import type { PgClient } from '@realtime/pg';
import { connectTenantDb } from './tenant-db-client.ts';
import type { TenantDbProbe } from '../ports.ts';

const ACTIVE_SLOT_SQL = `SELECT coalesce(bool_or(active), false) AS active FROM pg_replication_slots
  WHERE slot_name LIKE 'supabase_realtime_replication_slot%' AND database = current_database()`;

export function createPgTenantProbe(timeoutMs = 3000): TenantDbProbe {
  return {
    async check(target) {
      let client: PgClient;
      try {
        client = await connectTenantDb(target, 'realtime_health_check', timeoutMs);
      } catch {
        return { connected: false, replicating: false };
      }
      try {
        const { rows } = await client.query<{ active: boolean }>(ACTIVE_SLOT_SQL);
        return { connected: true, replicating: rows[0]?.active === true };
      } catch {
        // Connected, but the question failed (a timeout, or a role that cannot read the view).
        return { connected: true, replicating: false };
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}
