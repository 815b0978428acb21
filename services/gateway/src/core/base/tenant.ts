// The gateway's view of a tenant: a TenantSnapshot from realtime.tenants with its secrets decrypted.
import type { JSONWebKeySet } from 'jose';
import { mapJwkSecrets } from '@realtime/secrets';
import { RECOVERY_DEFAULTS, tenantDbSettings, type TenantDbSettings, type TenantSnapshot } from '@realtime/schemas';

export interface TenantLimits {
  maxConcurrentUsers: number;
  maxEventsPerSecond: number;
  maxJoinsPerSecond: number;
  maxChannelsPerClient: number;
  maxBytesPerSecond: number;
  maxPresenceEventsPerSecond: number;
  maxPayloadSizeInKb: number;
  clientPresenceMaxCalls: number;
  clientPresenceWindowMs: number;
  /** Frames one recovering join may replay per stream (more: too_large); TenantSnapshot v3. */
  maxRecoveryEvents: number;
  /** Bytes of matched records one recovering join may replay per stream (more: too_large); TenantSnapshot v3. */
  maxRecoveryBytes: number;
}

export interface Tenant {
  externalId: string;
  id: string;
  name: string;
  jwtSecret: string | null;
  jwks: JSONWebKeySet | null;
  limits: TenantLimits;
  suspend: boolean;
  privateOnly: boolean;
  presenceEnabled: boolean;
  reloadSeq: number;
  /** Bumped by POST /api/tenants/:id/shutdown: sockets drained and database pools closed. */
  shutdownSeq: number;
  /** The tenant's database (RLS, publication, channel policies); null when not configured. */
  db: TenantDbSettings | null;
}


/**
 * `reveal` decrypts an encrypted value and passes a plain one through. `payloadCapKb` clamps
 * max_payload_size_in_kb to what Kafka stores (payload-cap.ts).
 */
export function tenantFromSnapshot(s: TenantSnapshot, reveal: (value: string) => string, payloadCapKb = Infinity): Tenant {
  return {
    externalId: s.external_id,
    id: s.id,
    name: s.name,
    jwtSecret: s.jwt_secret_enc ? reveal(s.jwt_secret_enc) : null,
    jwks: s.jwt_jwks ? mapJwkSecrets(parseJwks(s.jwt_jwks), reveal) : null,
    limits: {
      maxConcurrentUsers: s.max_concurrent_users,
      maxEventsPerSecond: s.max_events_per_second,
      maxJoinsPerSecond: s.max_joins_per_second,
      maxChannelsPerClient: s.max_channels_per_client,
      maxBytesPerSecond: s.max_bytes_per_second,
      maxPresenceEventsPerSecond: s.max_presence_events_per_second,
      maxPayloadSizeInKb: Math.min(s.max_payload_size_in_kb, payloadCapKb),
      clientPresenceMaxCalls: s.max_client_presence_events_per_window ?? 5,
      clientPresenceWindowMs: s.client_presence_window_ms ?? 30_000,
      // Avro resolution fills these for v1/v2 records; the fallback covers snapshots built in code.
      maxRecoveryEvents: s.max_recovery_events ?? RECOVERY_DEFAULTS.max_recovery_events,
      maxRecoveryBytes: s.max_recovery_bytes ?? RECOVERY_DEFAULTS.max_recovery_bytes,
    },
    suspend: s.suspend,
    privateOnly: s.private_only,
    presenceEnabled: s.presence_enabled,
    reloadSeq: s.reload_seq,
    shutdownSeq: s.shutdown_seq ?? 0,
    db: tenantDbSettings(s, reveal),
  };
}

function parseJwks(text: string): JSONWebKeySet | null {
  const value = JSON.parse(text) as unknown;
  return value && typeof value === 'object' && Array.isArray((value as JSONWebKeySet).keys) ? (value as JSONWebKeySet) : null;
}

/** docs/PROTOCOL.md §2: sockets are drained (1012) on reload, shutdown, delete, or a change of these fields (the database
 *  too: subscriptions and policies must be checked again against the new one). */
export function requiresDrain(prev: Tenant, next: Tenant | undefined): boolean {
  if (!next) return true;
  return (
    prev.reloadSeq !== next.reloadSeq ||
    prev.shutdownSeq !== next.shutdownSeq ||
    prev.jwtSecret !== next.jwtSecret ||
    JSON.stringify(prev.jwks) !== JSON.stringify(next.jwks) ||
    prev.privateOnly !== next.privateOnly ||
    prev.suspend !== next.suspend ||
    JSON.stringify(prev.db) !== JSON.stringify(next.db)
  );
}

/** docs/PROTOCOL.md §1.1: the tenant is the first DNS label of the Host header. */
export function tenantFromHost(host: string | undefined): string | null {
  if (!host) return null;
  const name = host.startsWith('[') ? host : host.replace(/:\d+$/, '');
  const label = name.split('.')[0];
  return label ? label : null;
}
