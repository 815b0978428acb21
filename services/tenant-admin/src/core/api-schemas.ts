// The management API's response bodies as zod schemas (requests: tenant-input.ts). tenant-view.ts
// and tenant-service.ts are typed by them, and transport/openapi.ts turns them, with the request
// schemas, into the OpenAPI document served at /api/openapi: one source for the API's shapes.
import { z } from '@realtime/config';

const count = z.number().int();
const naiveTime = z.string().meta({ description: 'UTC, second precision, no zone (Ecto naive_datetime)', examples: ['2025-01-02T03:04:05'] });

export const extensionJson = z.object({
  type: z.string(),
  settings: z.record(z.string(), z.unknown()).meta({ description: 'decrypted settings; db_password is never shown' }),
  inserted_at: naiveTime,
  updated_at: naiveTime,
}).meta({ id: 'Extension' });

export const tenantJson = z.object({
  id: z.string(),
  external_id: z.string(),
  name: z.string(),
  max_concurrent_users: count,
  max_channels_per_client: count,
  max_events_per_second: count,
  max_joins_per_second: count,
  max_bytes_per_second: count,
  max_presence_events_per_second: count,
  max_payload_size_in_kb: count,
  max_client_presence_events_per_window: count.nullable(),
  client_presence_window_ms: count.nullable(),
  max_recovery_events: count.meta({ description: 'most frames one recovering join replays per stream (more: too_large)' }),
  max_recovery_bytes: count.meta({ description: 'most bytes of matched records one recovering join replays per stream (more: too_large)' }),
  suspend: z.boolean(),
  private_only: z.boolean(),
  presence_enabled: z.boolean(),
  inserted_at: naiveTime,
  extensions: z.array(extensionJson),
}).meta({ id: 'Tenant', description: 'never jwt_secret, never db_password' });

export const tenantHealthJson = z.object({
  healthy: z.boolean(),
  db_connected: z.boolean(),
  replication_connected: z.boolean(),
  connected_cluster: count.meta({ description: 'sockets with a joined channel, over every gateway (their usage reports of the last 3 s)' }),
  region: z.string().nullable(),
  node: z.string(),
  migrated: z.boolean().meta({ description: 'the tenant database has every migration; poll this after a 202 create' }),
}).meta({ id: 'TenantHealth' });

export const tenantReplicationJson = z.object({
  db_connected: z.boolean(),
  error: z.string().optional().meta({ description: 'why the slots could not be read (db_connected false)' }),
  slots: z.array(z.object({
    slot_name: z.string(),
    active: z.boolean(),
    lag_bytes: z.number().nullable().meta({ description: 'pg_current_wal_lsn() − confirmed_flush_lsn' }),
    lag_seconds: z.number().nullable().meta({ description: 'the walsender\'s flush_lag; null when caught up or not streamed' }),
    confirmed_flush_lsn: z.string().nullable(),
    owner: z.object({
      pid: count, application_name: z.string().meta({ description: 'ingest-cdc sets ingest-cdc@<host>/<pid>' }),
      client_addr: z.string().nullable(), client_port: count.nullable(), since: z.string().nullable(),
    }).nullable().meta({ description: 'the connection streaming the slot; null when inactive' }),
  })),
}).meta({ id: 'TenantReplication' });

export const fieldErrorsJson = z.object({ errors: z.record(z.string(), z.array(z.string())) }).meta({ id: 'FieldErrors' });
export const notFoundJson = z.object({ message: z.literal('not found') }).meta({ id: 'NotFound' });

export const statusJson = z.object({
  service: z.literal('tenant-admin'),
  node: z.string(),
  uptime_s: count,
  tenants: count,
  gateways: count.meta({ description: 'gateways that sent a usage report in the last 3 s' }),
  connected_users: count,
  tenants_with_users: count,
}).meta({ id: 'Status' });

const perSecond = z.number().meta({ description: 'per second, over the latest usage window' });
const usageCounts = { connections: count, channels: count, events_in_per_second: perSecond, events_out_per_second: perSecond };

export const clusterJson = z.object({
  node: z.string(),
  gateways: z.array(z.object({ node: z.string(), tenants: count, ...usageCounts }))
    .meta({ description: 'gateways that sent a usage report in the last 3 s (a gateway without joined sockets sends none)' }),
  tenants: z.array(z.object({
    external_id: z.string(), gateways: count, ...usageCounts, presence_events_per_second: perSecond,
    throttled: z.array(z.string()).meta({ description: 'limits the ratelimiter throttles the tenant on now' }),
  })).meta({ description: 'tenants with users, from the same usage reports' }),
  consumer_lag: z.union([
    z.object({ groups: z.array(z.object({ group: z.string(), topic: z.string(), lag: count })) }),
    z.object({ error: z.string() }),
  ]).meta({ description: 'records behind, per consumer group that commits and topic' }),
  replication: z.array(z.object({
    external_id: z.string(),
    slot: z.string().nullable(),
    active: z.boolean(),
    lag_bytes: count.nullable().meta({ description: 'WAL bytes between the server\'s current position and the slot\'s confirmed flush' }),
    error: z.string().optional(),
  })).meta({ description: 'replication slots of the first 50 tenants with a database' }),
  presence: z.union([
    z.object({ tenants: z.array(z.object({ external_id: z.string(), channels: count, members: count })) }),
    z.object({ error: z.string() }),
  ]).meta({ description: 'presence members per tenant from presence-service\'s Redis (the first 1000 channels with members)' }),
}).meta({ id: 'Cluster' });

export type TenantJson = z.infer<typeof tenantJson>;
export type TenantHealthJson = z.infer<typeof tenantHealthJson>;
export type StatusJson = z.infer<typeof statusJson>;
export type ClusterJson = z.infer<typeof clusterJson>;
export type TenantReplicationJson = z.infer<typeof tenantReplicationJson>;
