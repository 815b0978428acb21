import { describe, expect, it } from 'vitest';
import type { DbTarget } from '../ports.ts';
import { parseTenantBody } from './tenant-input.ts';
import { decideUpsert } from './upsert.ts';
import { clusterOverview, type ClusterDeps } from './cluster.ts';
import { createBody, defaults, key, rowFrom } from '../../test/fixtures.ts';

function row(externalId: string, dbHost: string) {
  const parsed = parseTenantBody(createBody({ external_id: externalId, extensions: [{ type: 'postgres_cdc_rls', settings: { db_host: dbHost, db_port: '5432', db_name: 'postgres', db_user: 'postgres', db_password: 'pw', region: 'local' } }] }));
  if (!parsed.ok) throw new Error('invalid body');
  const d = decideUpsert(null, externalId, parsed.input, defaults, key);
  if (!('write' in d)) throw new Error('rejected');
  return rowFrom(d.write);
}

function deps(over: Partial<ClusterDeps> = {}): ClusterDeps & { slotCalls: string[] } {
  const slotCalls: string[] = [];
  let now = 10_000;
  return {
    slotCalls,
    node: 'admin-1',
    usage: { fresh: () => [{ tenant: 'acme', node: 'gw-a', window_start: 9000, window_ms: 1000, connections: 2, channels: 3, events_in: 4, events_out: 8, presence_events: 0 }] },
    throttles: { throttled: (t) => (t === 'acme' ? ['events_per_second'] : []) },
    lag: { read: async () => [{ group: 'presence', topic: 'realtime.presence.commands', lag: 7 }] },
    store: { list: async () => [row('acme', 'db-acme'), row('down', 'db-down')] },
    slots: {
      async list(target: DbTarget) {
        slotCalls.push(target.host);
        if (target.host === 'db-down') throw new Error('connect ECONNREFUSED');
        return [{ slot: 'supabase_realtime_replication_slot', active: true, lagBytes: 120 }];
      },
    },
    presence: { count: async () => [{ tenant: 'acme', channels: 2, members: 5 }] },
    key,
    now: () => (now += 100),
    ...over,
  };
}

describe('clusterOverview', () => {
  it('puts usage, throttles, lag and slots together; an unreachable database is a row with its error', async () => {
    const c = await clusterOverview(deps())();
    expect(c.gateways).toEqual([{ node: 'gw-a', tenants: 1, connections: 2, channels: 3, events_in_per_second: 4, events_out_per_second: 8 }]);
    expect(c.tenants[0]).toMatchObject({ external_id: 'acme', throttled: ['events_per_second'] });
    expect(c.consumer_lag).toEqual({ groups: [{ group: 'presence', topic: 'realtime.presence.commands', lag: 7 }] });
    expect(c.replication).toEqual([
      { external_id: 'acme', slot: 'supabase_realtime_replication_slot', active: true, lag_bytes: 120 },
      { external_id: 'down', slot: null, active: false, lag_bytes: null, error: 'connect ECONNREFUSED' },
    ]);
    expect(c.presence).toEqual({ tenants: [{ external_id: 'acme', channels: 2, members: 5 }] });
  });

  it('says why presence is missing when tenant-admin has no Redis', async () => {
    expect((await clusterOverview(deps({ presence: null }))()).presence).toEqual({ error: 'tenant-admin has no REDIS_URL or REDIS_CLUSTER_NODES' });
  });

  it('reports a Kafka failure in place of the lag instead of failing the whole answer', async () => {
    const c = await clusterOverview(deps({ lag: { read: async () => { throw new Error('broker down'); } } }))();
    expect(c.consumer_lag).toEqual({ error: 'broker down' });
    expect(c.gateways).toHaveLength(1);
  });

  it('answers callers within the cache window from one round of queries', async () => {
    const d = deps();
    const overview = clusterOverview(d);
    await Promise.all([overview(), overview(), overview()]);
    expect(d.slotCalls).toEqual(['db-acme', 'db-down']);
  });
});
