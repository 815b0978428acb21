// What the four Grafana dashboards plot (docs/METRICS.md names every series used here; the e2e test
// test-e2e/observability-metrics.test.ts checks each one against a live scrape). Rates are over 5m,
// consumer lag is aggregated with max (every instance of a group reports the group-wide value).
import type { DashboardSpec } from './grafana.ts';

const rate = (expr: string, by = '') => `sum${by ? ` by (${by})` : ''} (rate(${expr}[5m]))`;
/** p99 of a histogram; `selector` is its label matcher, e.g. `{tenant="$tenant"}`. */
const p99 = (histogram: string, selector = '', by = '') => `histogram_quantile(0.99, sum by (le${by ? `, ${by}` : ''}) (rate(${histogram}_bucket${selector}[5m])))`;

const tenantSelector = '{tenant="$tenant"}';

const processRow: DashboardSpec['rows'][number] = {
  title: 'Processes',
  panels: [
    { title: 'CPU by service', unit: 'percentunit', targets: { '{{service}} {{instance}}': 'rate(realtime_process_process_cpu_seconds_total[5m])' } },
    { title: 'Resident memory', unit: 'bytes', targets: { '{{service}} {{instance}}': 'realtime_process_process_resident_memory_bytes' } },
    { title: 'Event loop lag p99', unit: 's', targets: { '{{service}} {{instance}}': 'realtime_process_nodejs_eventloop_lag_p99_seconds' } },
  ],
};

const overview: DashboardSpec = {
  uid: 'realtime-overview',
  title: 'Realtime / Overview',
  description: 'The cluster at a glance: connections, traffic, refusals, Kafka lag, drops.',
  rows: [
    {
      title: 'Now',
      panels: [
        { title: 'Connections', kind: 'stat', targets: { '': 'sum(realtime_connections_global_connected)' } },
        { title: 'Tenants connected', kind: 'stat', targets: { '': 'sum(realtime_tenants_connected)' } },
        { title: 'Presences', kind: 'stat', targets: { '': 'sum(realtime_presence_members)' } },
        { title: 'Gateways up', kind: 'stat', targets: { '': 'count(realtime_connections_global_connected)' } },
        { title: 'Replications streaming', kind: 'stat', targets: { '': 'sum(realtime_replication_connected)' } },
        { title: 'Max consumer lag', kind: 'stat', targets: { '': 'max(realtime_kafka_consumer_lag)' } },
      ],
    },
    {
      title: 'Traffic',
      panels: [
        { title: 'Messages per second', unit: 'ops', targets: { in: rate('realtime_channel_events_in_total'), out: rate('realtime_channel_events_out_total'), 'postgres changes in': rate('realtime_postgres_changes_in_total') } },
        { title: 'Joins per second', unit: 'ops', targets: { '{{result}}': rate('phoenix_channel_joined_total', 'result') } },
        { title: 'Join errors by code', unit: 'ops', targets: { '{{code}}': rate('realtime_channel_global_error', 'code') } },
        { title: 'Refused by a limit', unit: 'ops', targets: { '{{limit}}': rate('realtime_rate_limited_total', 'limit') } },
      ],
    },
    {
      title: 'Kafka and losses',
      panels: [
        { title: 'Consumer lag', targets: { '{{group}} {{topic}}': 'max by (group, topic) (realtime_kafka_consumer_lag)' } },
        { title: 'Records skipped', unit: 'ops', targets: { '{{service}} {{topic}} {{reason}}': rate('realtime_consumer_records_skipped_total', 'service, topic, reason') } },
        {
          title: 'Dropped', unit: 'ops', description: 'Messages given up on: Kafka send queues full, tenant change queues over budget.',
          targets: {
            'broadcasts not sent to other gateways': rate('realtime_broadcast_publish_dropped_total'),
            'presence commands': rate('realtime_presence_commands_dropped_total'),
            'postgres changes': rate('realtime_postgres_changes_dropped_total'),
          },
        },
        { title: 'Slow clients disconnected, malformed frames', unit: 'ops', targets: { 'slow clients': rate('realtime_slow_clients_disconnected_total'), malformed: rate('realtime_malformed_frames_total') } },
      ],
    },
    processRow,
  ],
};

const tenant: DashboardSpec = {
  uid: 'realtime-tenant',
  title: 'Realtime / Tenant',
  description: 'One tenant: its connections, traffic, errors, database checks and replication.',
  variables: [{ name: 'tenant', label: 'Tenant', query: 'label_values(realtime_tenant_events_total, tenant)' }],
  rows: [
    {
      title: '$tenant now',
      panels: [
        { title: 'Connections', kind: 'stat', targets: { '': 'sum(realtime_connections_connected{tenant="$tenant"})' } },
        { title: 'Replication', kind: 'stat', description: '1 while a worker streams the slot', targets: { '': 'max(realtime_replication_connected{tenant="$tenant"})' } },
        { title: 'Slot lag', kind: 'stat', unit: 'bytes', targets: { '': 'max(realtime_replication_slot_lag_bytes{tenant="$tenant"})' } },
        { title: 'Changes queued', kind: 'stat', unit: 'bytes', targets: { '': 'sum(realtime_tenant_changes_queue_bytes{tenant="$tenant"})' } },
      ],
    },
    {
      title: 'Traffic',
      panels: [
        { title: 'Broadcasts in, frames out', unit: 'ops', targets: { '{{direction}}': rate('realtime_tenant_events_total{tenant="$tenant"}', 'direction') } },
        { title: 'Joins, presence, database events', unit: 'ops', targets: { joins: rate('realtime_channel_joins{tenant="$tenant"}'), presence: rate('realtime_channel_presence_events{tenant="$tenant"}'), 'postgres changes': rate('realtime_channel_db_events{tenant="$tenant"}') } },
        { title: 'Bytes', unit: 'Bps', targets: { in: rate('realtime_channel_input_bytes{tenant="$tenant"}'), out: rate('realtime_channel_output_bytes{tenant="$tenant"}') } },
        { title: 'Join errors by code', unit: 'ops', targets: { '{{code}}': rate('realtime_channel_error{tenant="$tenant"}', 'code') } },
      ],
    },
    {
      title: 'Database',
      panels: [
        { title: 'Authorization checks p99', unit: 'ms', targets: { read: p99('realtime_tenants_read_authorization_check', tenantSelector), write: p99('realtime_tenants_write_authorization_check', tenantSelector) } },
        { title: 'Changes published by ingest-cdc', unit: 'ops', targets: { changes: rate('realtime_cdc_changes_published_total{tenant="$tenant"}') } },
        { title: 'Database broadcast latency p99 (commit → Kafka)', unit: 'ms', targets: { '': p99('realtime_tenants_broadcast_from_database_latency_committed_at', tenantSelector) } },
        { title: 'Payload size p99', unit: 'bytes', targets: { '{{message_type}}': p99('realtime_tenants_payload_size', tenantSelector, 'message_type') } },
      ],
    },
  ],
};

const cdc: DashboardSpec = {
  uid: 'realtime-cdc',
  title: 'Realtime / CDC pipeline',
  description: 'Tenant database → ingest-cdc → realtime.cdc → gateways → clients.',
  rows: [
    {
      title: 'Replication (ingest-cdc)',
      panels: [
        { title: 'Slot lag by tenant', unit: 'bytes', targets: { '{{tenant}}': 'max by (tenant) (realtime_replication_slot_lag_bytes)' } },
        { title: 'Replications not streaming', targets: { '{{tenant}}': 'realtime_replication_connected == 0' } },
        { title: 'Commit → Kafka latency', unit: 's', targets: { p50: 'histogram_quantile(0.5, sum by (le) (rate(realtime_cdc_commit_to_publish_seconds_bucket[5m])))', p99: p99('realtime_cdc_commit_to_publish_seconds') } },
        { title: 'Changes published', unit: 'ops', targets: { '{{tenant}}': rate('realtime_cdc_changes_published_total', 'tenant') } },
        { title: 'WAL not understood, broadcasts skipped', unit: 'ops', targets: { 'wal {{tenant}}': rate('realtime_cdc_wal_not_understood_total', 'tenant'), 'skipped {{reason}}': rate('realtime_cdc_broadcasts_skipped_total', 'reason') } },
        { title: 'Audit checkpoints: age of the last by tenant', unit: 's', targets: { '{{tenant}}': 'max by (tenant) (time() - (realtime_cdc_checkpoint_timestamp_seconds > 0))' } },
        { title: 'Audit checkpoints published, failed; chain-head reads', unit: 'ops', targets: { published: rate('realtime_cdc_checkpoints_published_total'), failed: rate('realtime_cdc_checkpoint_failures_total'), 'head read {{outcome}}': rate('realtime_cdc_chain_head_reads_total', 'outcome') } },
      ],
    },
    {
      title: 'Delivery (gateways)',
      panels: [
        { title: 'Changes read, delivered, dropped', unit: 'ops', targets: { read: rate('realtime_postgres_changes_in_total'), delivered: rate('realtime_channel_global_db_events'), dropped: rate('realtime_postgres_changes_dropped_total'), 'dropped by a limit': rate('realtime_rate_limited_dropped_total', 'kind') } },
        { title: 'RLS check of a batch p99', unit: 's', targets: { '': p99('realtime_rls_check_seconds') } },
        { title: 'Tenant database timeouts', unit: 'ops', targets: { '': rate('realtime_tenant_db_timeouts_total') } },
        { title: 'Changes queued by tenant', unit: 'bytes', targets: { '{{tenant}}': 'sum by (tenant) (realtime_tenant_changes_queue_bytes)' } },
      ],
    },
  ],
};

const presence: DashboardSpec = {
  uid: 'realtime-presence',
  title: 'Realtime / Presence',
  description: 'Gateways → realtime.presence.commands → presence-service (Redis) → realtime.presence.events.',
  rows: [
    {
      title: 'presence-service',
      panels: [
        { title: 'Members', targets: { '{{instance}}': 'realtime_presence_members', total: 'sum(realtime_presence_members)' } },
        { title: 'Commands and diffs', unit: 'ops', targets: { commands: rate('realtime_presence_commands_total'), diffs: rate('realtime_presence_diffs_total'), failed: rate('realtime_presence_commands_failed_total') } },
        { title: 'Command lag', description: 'Grows while Redis or presence-service is down', targets: { '{{group}}': 'max by (group) (realtime_kafka_consumer_lag{topic=~".*presence.commands"})' } },
        { title: 'Gateway nodes found dead', unit: 'short', targets: { '': 'sum(increase(realtime_presence_nodes_down_total[5m]))' } },
      ],
    },
    {
      title: 'Gateways',
      panels: [
        { title: 'Presence events', unit: 'ops', targets: { '': rate('realtime_channel_global_presence_events') } },
        { title: 'Commands dropped, leave retries', unit: 'ops', targets: { dropped: rate('realtime_presence_commands_dropped_total'), 'leaves {{outcome}}': rate('realtime_presence_leave_retries_total', 'outcome') } },
      ],
    },
  ],
};

export const dashboards: DashboardSpec[] = [overview, tenant, cdc, presence];
