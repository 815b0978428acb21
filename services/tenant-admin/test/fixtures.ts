// Shared by unit tests: a valid create body, limit defaults, a key and a stored row.
import { randomBytes } from 'node:crypto';
import type { TenantLimitDefaults, TenantRow, TenantWrite } from '../src/core/tenant.ts';

export const key = randomBytes(32);

export const defaults: TenantLimitDefaults = {
  max_concurrent_users: 200, max_events_per_second: 100, max_joins_per_second: 100, max_channels_per_client: 100,
  max_bytes_per_second: 100_000, max_presence_events_per_second: 1000, max_payload_size_in_kb: 3000,
  max_recovery_events: 10_000, max_recovery_bytes: 16_777_216,
};

export const JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';
export const DB_PASSWORD = 'postgres-password-xyz';

export function createBody(overrides: Record<string, unknown> = {}) {
  return {
    tenant: {
      external_id: 'acme', name: 'Acme', jwt_secret: JWT_SECRET,
      extensions: [{ type: 'postgres_cdc_rls', settings: {
        db_host: 'db.example', db_port: '5432', db_name: 'postgres', db_user: 'supabase_admin', db_password: DB_PASSWORD, region: 'us-east-1',
      } }],
      ...overrides,
    },
  };
}

/** What the store would return after writing `w`. */
export function rowFrom(w: TenantWrite, extra: Partial<TenantRow> = {}): TenantRow {
  const at = new Date('2025-01-02T03:04:05.678Z');
  return {
    ...w, id: '00000000-0000-4000-8000-000000000001', reload_seq: 0, shutdown_seq: 0, migrations_ran: 0, version: 1, inserted_at: at, updated_at: at,
    extensions: w.extensions.map((e) => ({ ...e, inserted_at: at, updated_at: at })), ...extra,
  };
}
