// The replication target of a tenant, from its TenantSnapshot: the postgres_cdc_rls extension's
// connection settings (encrypted in the snapshot, decrypted here) and the publications to follow.
import type { TenantSnapshot } from '@realtime/schemas';

export interface TenantDb {
  tenant: string;
  connectionString: string;
  publications: string[];
  maxRecordBytes: number;
}

const CDC_TYPES = new Set(['postgres_cdc_rls', 'postgres']);
export const MESSAGES_PUBLICATION = 'supabase_realtime_messages_publication';

export function tenantDb(s: TenantSnapshot, reveal: (value: string) => string, defaultMaxRecordBytes: number): TenantDb | null {
  const ext = s.extensions.find((e) => CDC_TYPES.has(e.type));
  if (!ext) return null;
  const get = (name: string) => (ext.settings[name] === undefined ? undefined : reveal(ext.settings[name]!));
  const host = get('db_host');
  const name = get('db_name');
  if (!host || !name) return null;
  const url = new URL('postgres://localhost');
  url.hostname = host;
  url.port = get('db_port') ?? '5432';
  url.pathname = `/${encodeURIComponent(name)}`;
  url.username = encodeURIComponent(get('db_user') ?? 'postgres');
  url.password = encodeURIComponent(get('db_password') ?? '');
  const maxBytes = Number(get('poll_max_record_bytes'));
  return {
    tenant: s.external_id,
    connectionString: url.toString(),
    publications: [get('publication') || 'supabase_realtime', MESSAGES_PUBLICATION],
    maxRecordBytes: Number.isFinite(maxBytes) && maxBytes > 0 ? maxBytes : defaultMaxRecordBytes,
  };
}

/** Replication restarts only when where or what it reads changed. */
export function sameTarget(a: TenantDb | null, b: TenantDb | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
