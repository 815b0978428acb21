// Where a tenant's database is, read from its TenantSnapshot: the settings of its Postgres CDC
// extension (`postgres_cdc_rls`, legacy `postgres`), each encrypted in the snapshot and revealed by
// the caller's key. ingest-cdc replicates from it; gateways check RLS and channel policies in it.
import type { TenantSnapshot } from './types.ts';

export interface TenantDbSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /** The publication users add their tables to. */
  publication: string;
  /** poll_max_record_bytes, when set. */
  maxRecordBytes: number | null;
}

const CDC_TYPES = new Set(['postgres_cdc_rls', 'postgres']);

/** null when the tenant has no database extension or it lacks a host or database name. */
export function tenantDbSettings(s: TenantSnapshot, reveal: (value: string) => string): TenantDbSettings | null {
  const ext = s.extensions.find((e) => CDC_TYPES.has(e.type));
  if (!ext) return null;
  const get = (name: string) => (ext.settings[name] === undefined ? undefined : reveal(ext.settings[name]!));
  const host = get('db_host');
  const database = get('db_name');
  if (!host || !database) return null;
  const port = Number(get('db_port') ?? 5432);
  const maxBytes = Number(get('poll_max_record_bytes'));
  return {
    host,
    port: Number.isInteger(port) && port > 0 ? port : 5432,
    database,
    user: get('db_user') || 'postgres',
    password: get('db_password') ?? '',
    publication: get('publication') || 'supabase_realtime',
    maxRecordBytes: Number.isFinite(maxBytes) && maxBytes > 0 ? maxBytes : null,
  };
}

export function tenantDbUrl(db: TenantDbSettings): string {
  const url = new URL('postgres://localhost');
  url.hostname = db.host;
  url.port = String(db.port);
  url.pathname = `/${encodeURIComponent(db.database)}`;
  url.username = encodeURIComponent(db.user);
  url.password = encodeURIComponent(db.password);
  return url.toString();
}
