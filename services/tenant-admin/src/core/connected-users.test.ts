import { describe, expect, it } from 'vitest';
import { UsageTally } from './connected-users.ts';

const report = (tenant: string, node: string, at: number, connections: number) => ({ tenant, node, window_start: at - 1000, window_ms: 1000, connections });

describe('UsageTally', () => {
  it('sums the latest report of each gateway and lets a silent gateway age out', () => {
    let now = 10_000;
    const tally = new UsageTally(() => now, 3000);
    tally.add(report('acme', 'gw-a', 9_000, 2));
    tally.add(report('acme', 'gw-a', 10_000, 3)); // newer report of the same gateway replaces
    tally.add(report('acme', 'gw-b', 10_000, 4));
    tally.add(report('other', 'gw-b', 10_000, 1));
    expect(tally.connected('acme')).toBe(7);
    expect(tally.summary()).toEqual({ gateways: 2, users: 8, tenants: 2 });
    tally.add(report('acme', 'gw-a', 9_500, 100)); // an older report out of order is ignored
    expect(tally.connected('acme')).toBe(7);
    now = 12_500;
    tally.add(report('acme', 'gw-b', 12_500, 4));
    now = 13_500; // gw-a's last window ended 3.5 s ago: its users left (no report for a tenant without users)
    expect(tally.connected('acme')).toBe(4);
    expect(tally.connected('nobody')).toBe(0);
    // What GET /api/cluster sums: the latest report of each gateway and tenant still fresh.
    expect(tally.fresh().map((r) => `${r.tenant}@${r.node}:${r.connections}`).sort()).toEqual(['acme@gw-b:4']); // other's report ended 3.5 s ago
    now = 60_000;
    expect(tally.summary()).toEqual({ gateways: 0, users: 0, tenants: 0 });
  });
});
