// SlotLagReader on the tenant database: pg_current_wal_lsn() − the slot's confirmed_flush_lsn, in
// bytes, over one ordinary connection kept for the tenant's lifetime on this worker (the
// replication connection cannot run queries while it streams). A failed query drops the connection;
// the next read opens a new one.
import { createPgClient, type PgClient, within } from '@realtime/pg';
import type { SlotLagReader } from '../ports.ts';

const LAG_SQL = 'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::float8 AS lag FROM pg_replication_slots WHERE slot_name = $1';

export function createPgSlotLagReader(connectionString: string, slot: string, timeoutMs = 5000): SlotLagReader {
  let client: PgClient | null = null;
  const drop = async () => {
    const c = client;
    client = null;
    await c?.end().catch(() => {});
  };
  return {
    async read() {
      try {
        if (!client) {
          client = createPgClient({ connectionString }, { ...within(timeoutMs), applicationName: `ingest-cdc:${slot}:lag` });
          client.on('error', () => {}); // a dropped connection surfaces on the next query
          await client.connect();
        }
        const { rows } = await client.query<{ lag: number | null }>(LAG_SQL, [slot]);
        return rows[0]?.lag ?? null;
      } catch (err) {
        await drop();
        throw err;
      }
    },
    close: drop,
  };
}
