import { describe, expect, it } from 'vitest';
import { summariseUsage } from './cluster-usage.ts';

const sample = (tenant: string, node: string, connections: number, events_in: number) =>
  ({ tenant, node, window_start: 0, window_ms: 500, connections, channels: connections * 2, events_in, events_out: events_in * 3, presence_events: 1 });

describe('summariseUsage', () => {
  it('sums per gateway and per tenant, turns window counters into rates, adds throttles', () => {
    const out = summariseUsage(
      [sample('acme', 'gw-b', 2, 10), sample('acme', 'gw-a', 1, 5), sample('zeta', 'gw-a', 4, 0)],
      (tenant) => (tenant === 'acme' ? ['events_per_second'] : []),
    );
    expect(out.gateways).toEqual([
      { node: 'gw-a', tenants: 2, connections: 5, channels: 10, events_in_per_second: 10, events_out_per_second: 30 },
      { node: 'gw-b', tenants: 1, connections: 2, channels: 4, events_in_per_second: 20, events_out_per_second: 60 },
    ]);
    expect(out.tenants).toEqual([
      { external_id: 'acme', gateways: 2, connections: 3, channels: 6, events_in_per_second: 30, events_out_per_second: 90, presence_events_per_second: 4, throttled: ['events_per_second'] },
      { external_id: 'zeta', gateways: 1, connections: 4, channels: 8, events_in_per_second: 0, events_out_per_second: 0, presence_events_per_second: 2, throttled: [] },
    ]);
  });

  it('is empty with no reports', () => {
    expect(summariseUsage([], () => [])).toEqual({ gateways: [], tenants: [] });
  });
});
