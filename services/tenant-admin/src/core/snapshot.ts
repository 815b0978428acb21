// TenantSnapshot for realtime.tenants (docs/ARCHITECTURE.md: "the full tenant config, secrets encrypted").
// Field names are those of schemas/tenant-snapshot; settings become strings, ciphertext stays.
import type { TenantSnapshot } from '@realtime/schemas';
import type { TenantRow } from './tenant.ts';

export type { TenantSnapshot };

export function toSnapshot(row: TenantRow): TenantSnapshot {
  return {
    id: row.id,
    external_id: row.external_id,
    name: row.name,
    jwt_secret_enc: row.jwt_secret,
    jwt_jwks: row.jwt_jwks == null ? null : JSON.stringify(row.jwt_jwks),
    max_concurrent_users: row.max_concurrent_users,
    max_events_per_second: row.max_events_per_second,
    max_joins_per_second: row.max_joins_per_second,
    max_channels_per_client: row.max_channels_per_client,
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
    extensions: row.extensions.map((e) => ({ type: e.type, settings: stringSettings(e.settings) })),
    reload_seq: row.reload_seq,
    shutdown_seq: row.shutdown_seq,
    updated_at: row.updated_at.getTime(),
    version: row.version,
  };
}

function stringSettings(settings: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(settings)) {
    if (v === null || v === undefined) continue;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}
