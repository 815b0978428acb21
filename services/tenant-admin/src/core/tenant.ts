// A tenant as the control DB stores it (docs/PROTOCOL.md §8): secrets are g1: ciphertext here, always.
// Only tenant-view.ts turns it into API JSON and only snapshot.ts into a TenantSnapshot.

export const LIMIT_FIELDS = [
  'max_concurrent_users', 'max_events_per_second', 'max_joins_per_second', 'max_channels_per_client',
  'max_bytes_per_second', 'max_presence_events_per_second', 'max_payload_size_in_kb',
  'max_recovery_events', 'max_recovery_bytes',
] as const;
export type LimitField = (typeof LIMIT_FIELDS)[number];
export type TenantLimitDefaults = Record<LimitField, number>;

/** Upper bounds of the recovery caps (what one recovering join may replay per stream): a gateway holds
 *  up to this many frames / bytes of one join in memory, so a tenant cannot ask for more. */
export const RECOVERY_CAP_MAX = { max_recovery_events: 1_000_000, max_recovery_bytes: 1024 * 1024 * 1024 } as const;

export const EXTENSION_TYPES = ['postgres_cdc_rls', 'postgres'] as const;
/** Settings stored encrypted (docs/PROTOCOL.md §8 names db_password; we encrypt every connection detail). */
export const ENCRYPTED_SETTINGS = ['db_host', 'db_port', 'db_name', 'db_user', 'db_password'] as const;
export const REQUIRED_SETTINGS = [...ENCRYPTED_SETTINGS, 'region'] as const;
/** Never shown by the API, not even decrypted. */
export const HIDDEN_SETTINGS = ['db_password'] as const;
export const SETTING_DEFAULTS: Record<string, unknown> = {
  poll_interval_ms: 100,
  poll_max_changes: 100,
  poll_max_record_bytes: 1_048_576,
  publication: 'supabase_realtime',
  slot_name: 'supabase_realtime_replication_slot',
};

export interface ExtensionRow {
  type: string;
  settings: Record<string, unknown>;
  inserted_at: Date;
  updated_at: Date;
}

export interface TenantRow extends TenantLimitDefaults {
  id: string;
  external_id: string;
  name: string;
  jwt_secret: string | null;
  jwt_jwks: unknown | null;
  max_client_presence_events_per_window: number | null;
  client_presence_window_ms: number | null;
  suspend: boolean;
  private_only: boolean;
  presence_enabled: boolean;
  postgres_cdc_default: string;
  reload_seq: number;
  /** Bumped by POST shutdown (TenantSnapshot v2). */
  shutdown_seq: number;
  /** How many tenant-database migrations the last successful run left applied (the reference's column). */
  migrations_ran: number;
  version: number;
  inserted_at: Date;
  updated_at: Date;
  extensions: ExtensionRow[];
}

/** What an upsert writes: the row minus what the database assigns (id, timestamps, seq, version). */
export type TenantWrite = Omit<TenantRow, 'id' | 'reload_seq' | 'shutdown_seq' | 'migrations_ran' | 'version' | 'inserted_at' | 'updated_at' | 'extensions'> & {
  extensions: { type: string; settings: Record<string, unknown> }[];
};
