// A tenant's replication slots, read in its database: position, lag, and who streams each one.
// pg_replication_slots lists the slots of the whole cluster, so it is filtered to this database (as
// the health probe does); pg_stat_replication joined on active_pid is the walsender serving it,
// whose application_name names the ingest-cdc worker (`ingest-cdc@<host>/<pid>`).
import { connectTenantDb } from './tenant-db-client.ts';
import type { ReplicationSlot, TenantSlotReader } from '../ports.ts';

const SLOTS_SQL = `SELECT s.slot_name, s.active, s.confirmed_flush_lsn::text AS confirmed_flush_lsn,
    pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::float8 AS lag_bytes,
    extract(epoch FROM r.flush_lag)::float8 AS lag_seconds,
    r.pid, r.application_name, r.client_addr::text AS client_addr, r.client_port, r.backend_start::text AS since
  FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid
  WHERE s.slot_name LIKE 'supabase_realtime_replication_slot%' AND s.database = current_database()
  ORDER BY s.slot_name`;

interface SlotRow {
  slot_name: string; active: boolean; confirmed_flush_lsn: string | null; lag_bytes: number | null; lag_seconds: number | null;
  pid: number | null; application_name: string | null; client_addr: string | null; client_port: number | null; since: string | null;
}

export function createPgSlotReader(timeoutMs = 3000): TenantSlotReader {
  return {
    async read(target) {
      const client = await connectTenantDb(target, 'realtime_slot_check', timeoutMs);
      try {
        const { rows } = await client.query<SlotRow>(SLOTS_SQL);
        return rows.map(toSlot);
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}

function toSlot(r: SlotRow): ReplicationSlot {
  return {
    slot_name: r.slot_name, active: r.active, confirmed_flush_lsn: r.confirmed_flush_lsn, lag_bytes: r.lag_bytes, lag_seconds: r.lag_seconds,
    owner: r.pid === null ? null : { pid: r.pid, application_name: r.application_name ?? '', client_addr: r.client_addr, client_port: r.client_port, since: r.since },
  };
}
