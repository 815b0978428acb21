// Reading and writing _realtime.tenants + _realtime.extensions rows, shared by the store and the
// outbox relay. bigint columns come back from pg as strings; they are small, so Number is exact.
import type { PgQueryable } from '@realtime/pg';
import { LIMIT_FIELDS, type ExtensionRow, type TenantRow, type TenantWrite } from '../core/tenant.ts';

type Queryable = PgQueryable;

export const WRITE_COLUMNS = [
  'name', 'jwt_secret', 'jwt_jwks', ...LIMIT_FIELDS, 'max_client_presence_events_per_window',
  'client_presence_window_ms', 'suspend', 'private_only', 'presence_enabled', 'postgres_cdc_default',
] as const;

const TENANT_COLUMNS = ['id', 'external_id', ...WRITE_COLUMNS, 'reload_seq', 'shutdown_seq', 'migrations_ran', 'version', 'inserted_at', 'updated_at'].join(', ');

export async function loadTenants(db: Queryable, externalId?: string, forUpdate = false): Promise<TenantRow[]> {
  const where = externalId === undefined ? '' : 'WHERE external_id = $1';
  const params = externalId === undefined ? [] : [externalId];
  const tenants = await db.query(
    `SELECT ${TENANT_COLUMNS} FROM _realtime.tenants ${where} ORDER BY inserted_at, external_id${forUpdate ? ' FOR UPDATE' : ''}`, params);
  if (tenants.rows.length === 0) return [];
  const exts = await db.query(
    `SELECT tenant_external_id, type, settings, inserted_at, updated_at FROM _realtime.extensions
     WHERE tenant_external_id = ANY($1) ORDER BY inserted_at, type`, [tenants.rows.map((r) => r.external_id)]);
  const byTenant = new Map<string, ExtensionRow[]>();
  for (const e of exts.rows) {
    const list = byTenant.get(e.tenant_external_id) ?? [];
    list.push({ type: e.type, settings: e.settings ?? {}, inserted_at: e.inserted_at, updated_at: e.updated_at });
    byTenant.set(e.tenant_external_id, list);
  }
  return tenants.rows.map((r) => ({
    ...r,
    reload_seq: Number(r.reload_seq),
    shutdown_seq: Number(r.shutdown_seq),
    version: Number(r.version),
    extensions: byTenant.get(r.external_id) ?? [],
  }) as TenantRow);
}

export async function loadTenant(db: Queryable, externalId: string, forUpdate = false): Promise<TenantRow | null> {
  return (await loadTenants(db, externalId, forUpdate))[0] ?? null;
}

/** Inserts or updates the tenant row and replaces its extension set. Version always moves on. */
export async function writeTenant(db: Queryable, w: TenantWrite, exists: boolean): Promise<void> {
  const values = WRITE_COLUMNS.map((c) => (c === 'jwt_jwks' && w.jwt_jwks !== null ? JSON.stringify(w.jwt_jwks) : w[c]));
  if (exists) {
    const sets = WRITE_COLUMNS.map((c, i) => `${c} = $${i + 2}`).join(', ');
    await db.query(`UPDATE _realtime.tenants SET ${sets}, version = nextval('_realtime.tenant_version_seq'), updated_at = now()
      WHERE external_id = $1`, [w.external_id, ...values]);
  } else {
    const placeholders = WRITE_COLUMNS.map((_, i) => `$${i + 2}`).join(', ');
    await db.query(`INSERT INTO _realtime.tenants (external_id, ${WRITE_COLUMNS.join(', ')}) VALUES ($1, ${placeholders})`, [w.external_id, ...values]);
  }
  await db.query('DELETE FROM _realtime.extensions WHERE tenant_external_id = $1 AND NOT (type = ANY($2))',
    [w.external_id, w.extensions.map((e) => e.type)]);
  for (const e of w.extensions) {
    await db.query(`INSERT INTO _realtime.extensions (tenant_external_id, type, settings) VALUES ($1, $2, $3)
      ON CONFLICT (tenant_external_id, type) DO UPDATE SET settings = excluded.settings, updated_at = now()
      WHERE extensions.settings IS DISTINCT FROM excluded.settings`, [w.external_id, e.type, JSON.stringify(e.settings)]);
  }
}
