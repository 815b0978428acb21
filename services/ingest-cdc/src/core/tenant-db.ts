// The replication target of a tenant, from its TenantSnapshot: the database of its Postgres CDC
// extension (settings decrypted by @realtime/schemas' tenantDbSettings) and the publications to follow.
import { tenantDbSettings, tenantDbUrl, type TenantSnapshot } from '@realtime/schemas';

export interface TenantDb {
  tenant: string;
  connectionString: string;
  publications: string[];
  maxRecordBytes: number;
  /** Largest broadcast payload from realtime.messages (docs/PROTOCOL.md §4 size check, as the gateways apply it). */
  maxPayloadBytes: number;
  /** Database broadcasts per second (the tenant's max_events_per_second, core/broadcast-rate.ts). */
  maxBroadcastsPerSecond: number;
  /** A new one (POST shutdown) differs from the running target: the replication stops and starts afresh. */
  shutdownSeq: number;
}

export const MESSAGES_PUBLICATION = 'supabase_realtime_messages_publication';

export function tenantDb(s: TenantSnapshot, reveal: (value: string) => string, defaultMaxRecordBytes: number): TenantDb | null {
  const db = tenantDbSettings(s, reveal);
  if (!db) return null;
  return {
    tenant: s.external_id,
    connectionString: tenantDbUrl(db),
    publications: [db.publication, MESSAGES_PUBLICATION],
    maxRecordBytes: db.maxRecordBytes ?? defaultMaxRecordBytes,
    maxPayloadBytes: s.max_payload_size_in_kb * 1000 + 500,
    maxBroadcastsPerSecond: s.max_events_per_second,
    shutdownSeq: s.shutdown_seq ?? 0,
  };
}

/** Replication restarts only when where or what it reads changed. */
export function sameTarget(a: TenantDb | null, b: TenantDb | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
