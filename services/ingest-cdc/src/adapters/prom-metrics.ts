// ingest-cdc's series as Prometheus metrics (listed in docs/METRICS.md). The histogram is global;
// the tenant series start at zero when this worker starts replicating the tenant and are removed
// when it stops (hand-over or deletion), so a worker exports only the tenants it owns.
import { client, type Registry } from '@realtime/metrics';
import type { CdcMetrics, TenantCdcMetrics } from '../ports.ts';

const HEAD_READ_OUTCOMES = ['found', 'empty', 'failed'] as const;

export function promCdcMetrics(registry: Registry): CdcMetrics {
  const registers = [registry];
  const labelNames = ['tenant'] as const;
  const slotLag = new client.Gauge({ name: 'realtime_replication_slot_lag_bytes', help: 'WAL bytes between pg_current_wal_lsn() and the confirmed_flush_lsn of the tenant\'s slot', labelNames, registers });
  const connected = new client.Gauge({ name: 'realtime_replication_connected', help: '1 while this worker streams the tenant\'s replication slot, else 0', labelNames, registers });
  const changes = new client.Counter({ name: 'realtime_cdc_changes_published_total', help: 'ChangeEvents of the tenant acknowledged by Kafka on realtime.cdc (replays after a restart included)', labelNames, registers });
  const notUnderstood = new client.Counter({ name: 'realtime_cdc_wal_not_understood_total', help: 'WAL messages of the tenant the assembler could not understand; its slot is not confirmed past them', labelNames, registers });
  const commitToPublish = new client.Histogram({
    name: 'realtime_cdc_commit_to_publish_seconds', help: 'From a transaction\'s commit timestamp (tenant database clock) to Kafka\'s acknowledgement of its events',
    // fine below 25 ms: the bench's P5 reads the ingest side's p50 from here
    buckets: [0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers,
  });
  const skipped = new client.Counter({ name: 'realtime_cdc_broadcasts_skipped_total', help: 'realtime.messages rows not broadcast: a topic, event or id too long for the binary frame, a payload over the size limits, or over the tenant\'s events per second', labelNames: ['reason'], registers });
  for (const reason of ['topic_too_long', 'event_too_long', 'id_too_long', 'payload_too_large', 'rate_limited']) skipped.inc({ reason }, 0);
  // The reference's names for the same quantities (its Tenant/TenantGlobal PromEx plugins).
  const dispatched = new client.Counter({ name: 'realtime_replication_poller_changes_dispatch', help: 'Postgres changes of the tenant published to realtime.cdc (reference name)', labelNames, registers });
  const dbBroadcasts = new client.Counter({ name: 'realtime_channel_events', help: 'Database broadcasts of the tenant acknowledged by Kafka (reference name)', labelNames, registers });
  const globalDbBroadcasts = new client.Counter({ name: 'realtime_channel_global_events', help: 'Database broadcasts acknowledged by Kafka, all tenants (reference name)', registers });
  const fromDatabase = new client.Histogram({
    name: 'realtime_tenants_broadcast_from_database_latency_committed_at', help: 'Database broadcasts: commit timestamp to Kafka acknowledgement, ms (reference name)',
    labelNames, buckets: [10, 250, 5000], registers,
  });
  // The audit chain's signed checkpoints (docs/ARCHITECTURE.md "Audit trail"), per tenant like the rest.
  const checkpoints = new client.Counter({ name: 'realtime_cdc_checkpoints_published_total', help: 'Signed checkpoints of the tenant\'s chain head acknowledged by Kafka on realtime.cdc.checkpoints', labelNames, registers });
  const checkpointFailures = new client.Counter({ name: 'realtime_cdc_checkpoint_failures_total', help: 'Checkpoint publishes of the tenant that failed (retried with the next head)', labelNames, registers });
  const checkpointLsn = new client.Gauge({ name: 'realtime_cdc_checkpoint_lsn', help: 'Commit LSN (as a number) of the tenant\'s last checkpoint acknowledged by Kafka; 0 before the first', labelNames, registers });
  const checkpointAt = new client.Gauge({ name: 'realtime_cdc_checkpoint_timestamp_seconds', help: 'Unix time Kafka acknowledged the tenant\'s last checkpoint; 0 before the first (age: time() - this)', labelNames, registers });
  const headReads = new client.Counter({ name: 'realtime_cdc_chain_head_reads_total', help: 'Reads of the tenant\'s chain head back from realtime.cdc when its stream starts, by outcome: found, empty (a new chain), failed', labelNames: ['tenant', 'outcome'], registers });
  const headReadSeconds = new client.Histogram({ name: 'realtime_cdc_chain_head_read_seconds', help: 'Time to read a tenant\'s chain head back from realtime.cdc', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers });
  const tenantSeries = [slotLag, connected, changes, notUnderstood, dispatched, dbBroadcasts, fromDatabase, checkpoints, checkpointFailures, checkpointLsn, checkpointAt]; // headReads: by outcome too, below
  // A tenant restarted or re-assigned here gets a new handle; a late remove() of the old one must
  // not delete the new one's series.
  const owners = new Map<string, TenantCdcMetrics>();
  return {
    tenant(tenant) {
      const labels = { tenant };
      const live = () => owners.get(tenant) === handle;
      const handle: TenantCdcMetrics = {
        published(n, seconds, broadcasts = 0) {
          commitToPublish.observe(Math.max(0, seconds));
          globalDbBroadcasts.inc(broadcasts);
          if (!live()) return;
          if (n > 0) {
            changes.inc(labels, n);
            dispatched.inc(labels, n);
          }
          if (broadcasts > 0) dbBroadcasts.inc(labels, broadcasts);
          // The reference observes each broadcast row once; so do we (commit to Kafka ack, ms).
          for (let i = 0; i < broadcasts; i++) fromDatabase.observe(labels, Math.max(0, seconds) * 1000);
        },
        connected: (up) => void (live() && connected.set(labels, up ? 1 : 0)),
        slotLag: (bytes) => void (live() && slotLag.set(labels, bytes)),
        broadcastSkipped: (reason) => skipped.inc({ reason }),
        notUnderstood: (n) => void (live() && notUnderstood.inc(labels, n)),
        checkpointPublished(lsnNum, atSeconds) {
          if (!live()) return;
          checkpoints.inc(labels);
          checkpointLsn.set(labels, lsnNum);
          checkpointAt.set(labels, atSeconds);
        },
        checkpointFailed: () => void (live() && checkpointFailures.inc(labels)),
        chainHeadRead(outcome, seconds) {
          headReadSeconds.observe(seconds);
          if (live()) headReads.inc({ tenant, outcome });
        },
        remove() {
          if (!live()) return;
          owners.delete(tenant);
          for (const m of tenantSeries) m.remove(labels);
          for (const outcome of HEAD_READ_OUTCOMES) headReads.remove({ tenant, outcome });
        },
      };
      owners.set(tenant, handle);
      changes.inc(labels, 0);
      dispatched.inc(labels, 0);
      dbBroadcasts.inc(labels, 0);
      fromDatabase.zero(labels);
      notUnderstood.inc(labels, 0);
      checkpoints.inc(labels, 0);
      checkpointFailures.inc(labels, 0);
      checkpointLsn.set(labels, 0);
      checkpointAt.set(labels, 0);
      for (const outcome of HEAD_READ_OUTCOMES) headReads.inc({ tenant, outcome }, 0);
      connected.set(labels, 0);
      slotLag.set(labels, 0);
      return handle;
    },
  };
}
