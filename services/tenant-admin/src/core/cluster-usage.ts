// Gateways and tenants as the latest usage reports show them (one per gateway and tenant, a window
// of about a second each): counts are summed, rates are the window's counters per second.
import type { ClusterJson } from './api-schemas.ts';
import type { UsageSample } from './connected-users.ts';

type Counts = { connections: number; channels: number; events_in_per_second: number; events_out_per_second: number };

const zero = (): Counts => ({ connections: 0, channels: 0, events_in_per_second: 0, events_out_per_second: 0 });

function addTo(c: Counts, s: UsageSample): void {
  const perSecond = 1000 / Math.max(s.window_ms, 1);
  c.connections += s.connections;
  c.channels += s.channels ?? 0;
  c.events_in_per_second += (s.events_in ?? 0) * perSecond;
  c.events_out_per_second += (s.events_out ?? 0) * perSecond;
}

/** Sorted by node and by tenant id; `throttled` names the limits a tenant is throttled on. */
export function summariseUsage(samples: UsageSample[], throttled: (tenant: string) => string[]): Pick<ClusterJson, 'gateways' | 'tenants'> {
  const gateways = new Map<string, Counts & { tenants: number }>();
  const tenants = new Map<string, Counts & { gateways: number; presence_events_per_second: number }>();
  for (const s of samples) {
    let g = gateways.get(s.node);
    if (!g) gateways.set(s.node, (g = { ...zero(), tenants: 0 }));
    g.tenants += 1;
    addTo(g, s);
    let t = tenants.get(s.tenant);
    if (!t) tenants.set(s.tenant, (t = { ...zero(), gateways: 0, presence_events_per_second: 0 }));
    t.gateways += 1;
    addTo(t, s);
    t.presence_events_per_second += (s.presence_events ?? 0) * 1000 / Math.max(s.window_ms, 1);
  }
  const byKey = <T>(m: Map<string, T>) => [...m].sort(([a], [b]) => a.localeCompare(b));
  return {
    gateways: byKey(gateways).map(([node, g]) => ({ node, ...g })),
    tenants: byKey(tenants).map(([external_id, t]) => ({ external_id, ...t, throttled: throttled(external_id) })),
  };
}
