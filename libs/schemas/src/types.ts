// TypeScript shapes of the records in schemas/*.avsc (newest version of each). Avro `long`s are JS
// numbers: avsc rejects values beyond Number.MAX_SAFE_INTEGER instead of losing precision.
// Timestamps are numbers too (millis, or micros where noted), never Date.
// types.test.ts checks that the keys here match the field names of the schemas.

export interface TenantExtension {
  type: string;
  /** Encrypted values stay ciphertext. */
  settings: Record<string, string>;
}

export interface TenantSnapshot {
  id: string;
  external_id: string;
  name: string;
  jwt_secret_enc: string | null;
  jwt_jwks: string | null;
  max_concurrent_users: number;
  max_events_per_second: number;
  max_joins_per_second: number;
  max_channels_per_client: number;
  max_bytes_per_second: number;
  max_presence_events_per_second: number;
  max_payload_size_in_kb: number;
  max_client_presence_events_per_window: number | null;
  client_presence_window_ms: number | null;
  /** v3; RECOVERY_DEFAULTS when written by v1/v2. Frames one recovering join may replay per stream. */
  max_recovery_events: number;
  /** v3; RECOVERY_DEFAULTS when written by v1/v2. Bytes of matched records one recovering join may replay per stream. */
  max_recovery_bytes: number;
  suspend: boolean;
  private_only: boolean;
  presence_enabled: boolean;
  extensions: TenantExtension[];
  reload_seq: number;
  /** v2; 0 when written by v1. */
  shutdown_seq: number;
  updated_at: number;
  version: number;
}

export type BroadcastKind = 'USER' | 'JSON';
export type PayloadEncoding = 'JSON' | 'BINARY';

export interface BroadcastMessage {
  id: string;
  tenant: string;
  topic: string;
  private: boolean;
  event: string;
  kind: BroadcastKind;
  encoding: PayloadEncoding;
  payload: Buffer;
  meta_id: string | null;
  origin_node: string;
  sent_at: number;
}

export type ChangeType = 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE';

export interface ChangeColumn {
  name: string;
  type: string;
  type_oid: number;
}

export interface ChangeEvent {
  tenant: string;
  schema: string;
  table: string;
  type: ChangeType;
  /** Microseconds since the epoch. */
  commit_timestamp: number;
  commit_lsn: string;
  commit_lsn_num: number;
  xid: number;
  seq: number;
  columns: ChangeColumn[];
  record_json: string | null;
  old_record_json: string | null;
  pk_columns: string[];
  toast_unchanged: string[];
  truncated: boolean;
  relation_id: number;
  /**
   * SHA-256 of the Kafka value bytes of the tenant's previous ChangeEvent (the audit hash chain,
   * v2); null for the first record of a chain and from v1 writers. Optional so code that builds
   * events before chaining them need not set it.
   */
  prev_hash?: Buffer | null;
}

export type PresenceOp = 'TRACK' | 'UNTRACK' | 'LEAVE_CONNECTION' | 'NODE_DOWN' | 'REASSERT';

export interface PresenceCommand {
  tenant: string;
  topic: string;
  private: boolean;
  op: PresenceOp;
  node: string;
  connection_id: string;
  join_ref: string | null;
  key: string | null;
  meta_json: string | null;
  phx_ref: string | null;
  at: number;
}

export interface PresenceDiff {
  tenant: string;
  topic: string;
  private: boolean;
  joins_json: string;
  leaves_json: string;
  /** State version after this diff; 0 from v1 writers. */
  version: number;
  /** The Redis state the version counts in. */
  epoch: string;
  at: number;
}

export interface UsageReport {
  tenant: string;
  node: string;
  window_start: number;
  window_ms: number;
  connections: number;
  channels: number;
  joins: number;
  events_in: number;
  events_out: number;
  presence_events: number;
  bytes_in: number;
  bytes_out: number;
}

export interface LimitDecision {
  tenant: string;
  limit: string;
  throttled: boolean;
  rate: number;
  max: number;
  until: number | null;
  decided_at: number;
}

/** A signed head of a tenant's ChangeEvent hash chain (libs/audit signs and verifies it). */
export interface CdcCheckpoint {
  tenant: string;
  head_hash: Buffer;
  commit_lsn: string;
  commit_lsn_num: number;
  seq: number;
  /** Milliseconds since the epoch. */
  signed_at: number;
  node: string;
  key_id: string;
  signature: Buffer;
}

export interface SchemaTypes {
  TenantSnapshot: TenantSnapshot;
  BroadcastMessage: BroadcastMessage;
  ChangeEvent: ChangeEvent;
  PresenceCommand: PresenceCommand;
  PresenceDiff: PresenceDiff;
  UsageReport: UsageReport;
  LimitDecision: LimitDecision;
  CdcCheckpoint: CdcCheckpoint;
}

export type SchemaName = keyof SchemaTypes;

export const schemaNames = [
  'TenantSnapshot', 'BroadcastMessage', 'ChangeEvent', 'PresenceCommand', 'PresenceDiff', 'UsageReport', 'LimitDecision', 'CdcCheckpoint',
] as const satisfies readonly SchemaName[];
