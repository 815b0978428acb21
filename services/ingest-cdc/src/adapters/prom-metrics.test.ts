import { describe, expect, it } from 'vitest';
import { createRegistry } from '@realtime/metrics';
import { promCdcMetrics } from './prom-metrics.ts';

const text = (r: ReturnType<typeof createRegistry>) => r.metrics();

describe('ingest-cdc prom metrics', () => {
  it('starts a tenant\'s series at zero and removes them when the worker lets the tenant go', async () => {
    const registry = createRegistry('ingest-cdc', false);
    const m = promCdcMetrics(registry);
    expect(await text(registry)).toMatch(/^realtime_cdc_commit_to_publish_seconds_count\{service="ingest-cdc"\} 0$/m);
    const t = m.tenant('acme');
    expect(await text(registry)).toMatch(/^realtime_replication_slot_lag_bytes\{tenant="acme",service="ingest-cdc"\} 0$/m);
    t.connected(true);
    t.published(3, 0.02);
    t.published(0, 0.5); // a broadcast-only transaction: timed, no change counted
    t.slotLag(4096);
    expect(await text(registry)).toMatch(/^realtime_cdc_wal_not_understood_total\{tenant="acme",service="ingest-cdc"\} 0$/m);
    t.notUnderstood!(2);
    const body = await text(registry);
    expect(body).toMatch(/^realtime_replication_connected\{tenant="acme",service="ingest-cdc"\} 1$/m);
    expect(body).toMatch(/^realtime_cdc_changes_published_total\{tenant="acme",service="ingest-cdc"\} 3$/m);
    expect(body).toMatch(/^realtime_replication_slot_lag_bytes\{tenant="acme",service="ingest-cdc"\} 4096$/m);
    expect(body).toMatch(/^realtime_cdc_wal_not_understood_total\{tenant="acme",service="ingest-cdc"\} 2$/m);
    expect(body).toMatch(/^realtime_cdc_commit_to_publish_seconds_count\{service="ingest-cdc"\} 2$/m);
    t.remove();
    t.slotLag(1); // late sample after the hand-over: ignored
    expect(await text(registry)).not.toContain('tenant="acme"');
  });

  it('exports the reference\'s names: changes dispatched, database broadcasts as channel events, their commit latency in ms', async () => {
    const registry = createRegistry('ingest-cdc', false);
    const t = promCdcMetrics(registry).tenant('acme');
    t.published(3, 0.02, 0);
    t.published(0, 0.1, 2); // two database broadcasts 100 ms after their commit
    const body = await text(registry);
    expect(body).toMatch(/^realtime_replication_poller_changes_dispatch\{tenant="acme",service="ingest-cdc"\} 3$/m);
    expect(body).toMatch(/^realtime_channel_events\{tenant="acme",service="ingest-cdc"\} 2$/m);
    expect(body).toMatch(/^realtime_channel_global_events\{service="ingest-cdc"\} 2$/m);
    expect(body).toMatch(/^realtime_tenants_broadcast_from_database_latency_committed_at_bucket\{le="10",service="ingest-cdc",tenant="acme"\} 0$/m);
    expect(body).toMatch(/^realtime_tenants_broadcast_from_database_latency_committed_at_bucket\{le="250",service="ingest-cdc",tenant="acme"\} 2$/m);
    t.remove();
    expect(await text(registry)).not.toContain('tenant="acme"');
  });

  it('a late remove() of a replaced handle leaves the new one\'s series alone', async () => {
    const registry = createRegistry('ingest-cdc', false);
    const m = promCdcMetrics(registry);
    const old = m.tenant('acme');
    const current = m.tenant('acme');
    old.remove();
    current.connected(true);
    expect(await text(registry)).toMatch(/^realtime_replication_connected\{tenant="acme",service="ingest-cdc"\} 1$/m);
  });

  it('counts a tenant\'s checkpoints (the last one\'s LSN and time), their failures and chain-head reads by outcome, and removes them with the tenant', async () => {
    const registry = createRegistry('ingest-cdc', false);
    const t = promCdcMetrics(registry).tenant('acme');
    const start = await text(registry);
    expect(start).toMatch(/^realtime_cdc_checkpoints_published_total\{tenant="acme",service="ingest-cdc"\} 0$/m);
    expect(start).toMatch(/^realtime_cdc_checkpoint_timestamp_seconds\{tenant="acme",service="ingest-cdc"\} 0$/m);
    expect(start).toMatch(/^realtime_cdc_chain_head_reads_total\{tenant="acme",outcome="failed",service="ingest-cdc"\} 0$/m);
    t.chainHeadRead!('failed', 0.2);
    t.chainHeadRead!('found', 0.03);
    t.checkpointFailed!();
    t.checkpointPublished!(0x16b3748, 1_700_000_000);
    t.checkpointPublished!(0x16b3800, 1_700_000_010);
    const body = await text(registry);
    expect(body).toMatch(/^realtime_cdc_checkpoints_published_total\{tenant="acme",service="ingest-cdc"\} 2$/m);
    expect(body).toMatch(/^realtime_cdc_checkpoint_failures_total\{tenant="acme",service="ingest-cdc"\} 1$/m);
    expect(body).toMatch(new RegExp(`^realtime_cdc_checkpoint_lsn\\{tenant="acme",service="ingest-cdc"\\} ${0x16b3800}$`, 'm'));
    expect(body).toMatch(/^realtime_cdc_checkpoint_timestamp_seconds\{tenant="acme",service="ingest-cdc"\} 1700000010$/m);
    expect(body).toMatch(/^realtime_cdc_chain_head_reads_total\{tenant="acme",outcome="found",service="ingest-cdc"\} 1$/m);
    expect(body).toMatch(/^realtime_cdc_chain_head_reads_total\{tenant="acme",outcome="failed",service="ingest-cdc"\} 1$/m);
    expect(body).toMatch(/^realtime_cdc_chain_head_read_seconds_count\{service="ingest-cdc"\} 2$/m);
    t.remove();
    t.checkpointPublished!(0x16b3900, 1_700_000_020); // late, after the hand-over: ignored
    expect(await text(registry)).not.toContain('tenant="acme"');
  });
});
