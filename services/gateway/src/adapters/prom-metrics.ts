// The core's series as Prometheus metrics (listed in docs/METRICS.md). Unlabelled series and every
// known label value start at zero; tenant series appear with the tenant's first event.
import { client, type Registry } from '@realtime/metrics';
import type { GatewayMetrics } from '../core/metrics/metrics.ts';
import { promReferenceMetrics } from './prom-reference-metrics.ts';

const RECOVERY_STREAMS = ['broadcast', 'postgres_changes'] as const;
const LIMITS = ['concurrent_users', 'events_per_second', 'joins_per_second', 'presence_events_per_second', 'bytes_per_second', 'client_presence'] as const;

export function promGatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  const gauge = (name: string, help: string) => new client.Gauge({ name, help, registers });
  const counter = (name: string, help: string) => new client.Counter({ name, help, registers });
  const rateLimited = new client.Counter({ name: 'realtime_rate_limited_total', help: 'Joins, connects, messages and tracks refused by a tenant limit', labelNames: ['limit'], registers });
  for (const limit of LIMITS) rateLimited.inc({ limit }, 0);
  const authorization = new client.Histogram({
    name: 'realtime_authorization_check_seconds', help: 'Private channel policy checks in the tenant database', labelNames: ['kind'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers,
  });
  for (const kind of ['read', 'write']) authorization.zero({ kind });
  const refused = new client.Counter({ name: 'realtime_channel_broadcasts_refused_total', help: 'Socket broadcasts refused: topic or event too long for the binary frame', labelNames: ['reason'], registers });
  for (const reason of ['topic_too_long', 'event_too_long']) refused.inc({ reason }, 0);
  const inboundDropped = new client.Counter({ name: 'realtime_inbound_frames_dropped_total', help: 'Inbound frames dropped: over the socket frame rate, its frame queue full, or over the tenant inbound byte rate', labelNames: ['reason'], registers });
  for (const reason of ['rate', 'queue', 'tenant_rate']) inboundDropped.inc({ reason }, 0);
  const socketsClosed = new client.Counter({ name: 'realtime_sockets_closed_total', help: 'Sockets closed by the gateway for flooding frames or having no channel', labelNames: ['reason'], registers });
  for (const reason of ['frame_flood', 'no_channels']) socketsClosed.inc({ reason }, 0);
  const tenantEvents = new client.Counter({ name: 'realtime_tenant_events_total', help: 'Broadcasts in and frames out, per tenant', labelNames: ['tenant', 'direction'], registers });
  const changesQueueBytes = new client.Gauge({ name: 'realtime_tenant_changes_queue_bytes', help: 'Bytes of Postgres changes held for a tenant (queued or being checked), per tenant', labelNames: ['tenant'], registers });
  const rateLimitedDropped = new client.Counter({ name: 'realtime_rate_limited_dropped_total', help: 'Postgres changes and database broadcasts consumed and dropped while the tenant\'s events limit was tripped', labelNames: ['kind'], registers });
  for (const kind of ['postgres_changes', 'db_broadcast']) rateLimitedDropped.inc({ kind }, 0);
  const leaveRetries = new client.Counter({ name: 'realtime_presence_leave_retries_total', help: 'Presence leaves whose Kafka send failed, by what happened next', labelNames: ['outcome'], registers });
  for (const outcome of ['retried', 'sent', 'dropped']) leaveRetries.inc({ outcome }, 0);
  const recoveries = new client.Counter({ name: 'realtime_recovery_total', help: 'Recoveries on rejoin, by stream and result (complete, expired, too_large, unknown_position, unavailable)', labelNames: ['stream', 'result'], registers });
  for (const stream of RECOVERY_STREAMS) for (const result of ['complete', 'expired', 'too_large', 'unknown_position', 'unavailable']) recoveries.inc({ stream, result }, 0);
  const recoveredFrames = new client.Counter({ name: 'realtime_recovery_frames_total', help: 'Frames sent by recoveries on rejoin', labelNames: ['stream'], registers });
  for (const stream of RECOVERY_STREAMS) recoveredFrames.inc({ stream }, 0);
  const recoveryDuration = new client.Histogram({ name: 'realtime_recovery_duration_seconds', help: 'Recoveries on rejoin from the join to the result, the wait for a slot included', labelNames: ['stream'], buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers });
  for (const stream of RECOVERY_STREAMS) recoveryDuration.zero({ stream });
  const reference = promReferenceMetrics(registry);
  const ownPayloadSize = new client.Histogram({ name: 'realtime_payload_size_bytes', help: 'Inbound broadcast payload sizes', buckets: [64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 3_000_000], registers });
  return {
    tenant: reference.tenant,
    channelJoined: reference.channelJoined,
    replay: { observe: reference.replay },
    socketConnected: { observe: reference.socketConnected },
    fanoutDelivery: { inc: reference.fanoutDelivery },
    // The node total under the reference's name; realtime_connections_connected is per tenant.
    connections: gauge('realtime_connections_global_connected', 'The node total count of connected clients across all tenants.'),
    tenantsConnected: gauge('realtime_tenants_connected', 'Tenants with at least one open connection on this gateway'),
    joins: counter('realtime_channel_joins_total', 'Channel joins accepted'),
    eventsIn: counter('realtime_channel_events_in_total', 'Broadcasts received from clients'),
    eventsOut: counter('realtime_channel_events_out_total', 'Frames delivered to subscribed channels'),
    malformedFrames: counter('realtime_malformed_frames_total', 'Inbound frames dropped as MalformedWebSocketMessage'),
    changesIn: counter('realtime_postgres_changes_in_total', 'Change events read from realtime.cdc (after dropping replayed duplicates)'),
    payloadSize: {
      observe(bytes, tenant, type) {
        if (type === 'broadcast') ownPayloadSize.observe(bytes);
        reference.payloadSize(bytes, tenant, type);
      },
    },
    rlsCheck: new client.Histogram({ name: 'realtime_rls_check_seconds', help: 'RLS visibility checks of a batch of changes for all its identities', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers }),
    authorizationCheck: {
      observe(kind, seconds, tenant) {
        authorization.observe({ kind }, seconds);
        reference.authorizationCheck(kind, seconds, tenant);
      },
    },
    rateLimited: { inc: (limit) => rateLimited.inc({ limit }) },
    tenantEvents: { inc: (tenant, direction, n = 1) => tenantEvents.inc({ tenant, direction }, n) },
    restInflightBytes: gauge('realtime_rest_inflight_bytes', 'Bytes of REST request bodies being read or handled (reserved before reading)'),
    restBusy: counter('realtime_rest_busy_total', 'REST requests refused with 429 because the in-flight body budget was spent'),
    broadcastsRefused: { inc: (reason) => refused.inc({ reason }) },
    changesDropped: counter('realtime_postgres_changes_dropped_total', 'Postgres changes not delivered because the tenant\'s queue was full or its database failed (the channels are shut down)'),
    rateLimitedDropped: { inc: (kind, n = 1) => rateLimitedDropped.inc({ kind }, n) },
    changesQueueBytes: { set: (tenant, bytes) => changesQueueBytes.set({ tenant }, bytes) },
    tenantDbTimeouts: counter('realtime_tenant_db_timeouts_total', 'Tenant database queries or pool checkouts cut by a timeout'),
    presenceLeaveRetries: { inc: (outcome) => leaveRetries.inc({ outcome }) },
    slowClientsDisconnected: counter('realtime_slow_clients_disconnected_total', 'Sockets disconnected because their outgoing buffer passed GATEWAY_MAX_BUFFERED_BYTES'),
    inboundFramesDropped: { inc: (reason) => inboundDropped.inc({ reason }) },
    socketsClosed: { inc: (reason) => socketsClosed.inc({ reason }) },
    recoveries: { inc: (stream, result) => recoveries.inc({ stream, result }) },
    recoveredFrames: { inc: (stream, n) => recoveredFrames.inc({ stream }, n) },
    recoveryDuration: { observe: (stream, seconds) => recoveryDuration.observe({ stream }, seconds) },
  };
}
