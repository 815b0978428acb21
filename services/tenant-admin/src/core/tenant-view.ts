// API JSON of a tenant (docs/PROTOCOL.md §8 "Tenant JSON", the reference's tenant_view.ex). Never jwt_secret,
// never db_password; the other encrypted settings are shown decrypted.
import { decrypt, isEncrypted } from '@realtime/secrets';
import { HIDDEN_SETTINGS, type TenantRow } from './tenant.ts';
import type { TenantJson } from './api-schemas.ts';

export type { TenantJson };

export function tenantView(row: TenantRow, key: Buffer): TenantJson {
  return {
    id: row.id,
    external_id: row.external_id,
    name: row.name,
    max_concurrent_users: row.max_concurrent_users,
    max_channels_per_client: row.max_channels_per_client,
    max_events_per_second: row.max_events_per_second,
    max_joins_per_second: row.max_joins_per_second,
    max_bytes_per_second: row.max_bytes_per_second,
    max_presence_events_per_second: row.max_presence_events_per_second,
    max_payload_size_in_kb: row.max_payload_size_in_kb,
    max_client_presence_events_per_window: row.max_client_presence_events_per_window,
    client_presence_window_ms: row.client_presence_window_ms,
    max_recovery_events: row.max_recovery_events,
    max_recovery_bytes: row.max_recovery_bytes,
    suspend: row.suspend,
    private_only: row.private_only,
    presence_enabled: row.presence_enabled,
    inserted_at: naive(row.inserted_at),
    extensions: row.extensions.map((ext) => ({
      type: ext.type,
      settings: visibleSettings(ext.settings, key),
      inserted_at: naive(ext.inserted_at),
      updated_at: naive(ext.updated_at),
    })),
  };
}


/** Decrypted settings for the tenant's own use (health probe); includes db_password. */
export function decryptSettings(settings: Record<string, unknown>, key: Buffer): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(settings)) out[name] = isEncrypted(value) ? tryDecrypt(value, key) : value;
  return out;
}

function visibleSettings(settings: Record<string, unknown>, key: Buffer) {
  const shown = decryptSettings(settings, key);
  for (const hidden of HIDDEN_SETTINGS) delete shown[hidden];
  return shown;
}

function tryDecrypt(value: string, key: Buffer): string | null {
  try { return decrypt(value, key); } catch { return null; }
}

/** The reference serialises Ecto naive_datetime (UTC, no zone, second precision). */
function naive(d: Date): string {
  return d.toISOString().slice(0, 19);
}
