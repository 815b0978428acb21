// The realtime replication slots of one tenant database and how far each is behind: the WAL bytes
// between the server's current position and what the slot's consumer (ingest-cdc) confirmed.
// Filtered to this database and to our slot names, as in pg-tenant-probe.ts.
import type { ReplicationSlots } from '../ports.ts';
import { connectTenant, endQuietly } from './pg-tenant-client.ts';

const SLOTS_SQL = `SELECT slot_name, active,
    pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint::text AS lag_bytes
  FROM pg_replication_slots
  WHERE slot_name LIKE 'supabase_realtime_replication_slot%' AND database = current_database()
  ORDER BY slot_name`;

export function createPgReplicationSlots(timeoutMs = 3000): ReplicationSlots {
  return {
    async list(target) {
      const client = await connectTenant(target, timeoutMs, 'realtime_cluster_view');
      try {
        const { rows } = await client.query<{ slot_name: string; active: boolean; lag_bytes: string | null }>(SLOTS_SQL);
        return rows.map((r) => ({ slot: r.slot_name, active: r.active, lagBytes: r.lag_bytes === null ? null : Number(r.lag_bytes) }));
      } finally {
        await endQuietly(client);
      }
    },
  };
}
