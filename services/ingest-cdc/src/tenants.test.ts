// TenantReplications on shutdown: stopAll() releases every slot and nothing starts after it, so
// the worker can release its slots before it leaves the consumer group (app.ts close()).
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '@realtime/log';
import { sampleRecords } from '@realtime/testing/samples';
import type { TenantSnapshot } from '@realtime/schemas';
import { TenantReplications } from './tenants.ts';
import type { ReplicationSource } from './adapters/pg-replication-source.ts';

const silent = createLogger({ service: 'test', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

function snapshot(id: string): TenantSnapshot {
  const settings = { db_host: 'localhost', db_name: `${id}_db` };
  return { ...sampleRecords.TenantSnapshot, external_id: id, extensions: [{ type: 'postgres_cdc_rls', settings }] };
}

function replications() {
  const slots = { held: 0, started: 0 };
  const source = (): ReplicationSource => ({
    start: async () => void (slots.held++, slots.started++),
    confirm: async () => {},
    stop: async () => void slots.held--,
  });
  const r = new TenantReplications({
    slot: 's', nodeId: 'n', sink: { publish: async () => {} }, reveal: (v) => v, maxRecordBytes: 1 << 20, log: silent,
    metrics: { tenant: () => ({ published: () => {}, connected: () => {}, slotLag: () => {}, remove: () => {} }) },
    slotLagReader: () => ({ read: async () => null, close: async () => {} }),
    sourceFactory: source, dropSlot: async () => {}, slotLagIntervalMs: 60_000,
  });
  return { r, slots };
}

describe('TenantReplications.stopAll', () => {
  it('releases every slot, then starts no replication for a tenant that arrives late', async () => {
    const { r, slots } = replications();
    await r.onTenant(0, 'a', snapshot('a'));
    await r.onTenant(1, 'b', snapshot('b'));
    await Promise.all([r.get('a')!.ready, r.get('b')!.ready]);
    expect(slots.held).toBe(2);
    await r.stopAll();
    expect(slots.held).toBe(0);
    await r.onTenant(2, 'c', snapshot('c')); // a record of a partition still assigned until the group is left
    expect(r.get('c')).toBeUndefined();
    expect(slots.started).toBe(2);
  });
});
