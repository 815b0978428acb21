// connected_cluster of GET /api/tenants/:id/health (the reference's UsersCounter.tenant_users):
// every gateway reports, once a second, each tenant's users on it (usage reports, realtime.usage).
// The count of a tenant is the sum of the latest report of each gateway, counting only reports
// whose window ended within `staleMs`: a gateway sends nothing for a tenant whose users all left
// (and nothing at all once it died), so its last report must age out instead of counting forever.
import type { UsageReport } from '@realtime/schemas';
import type { ConnectedUsers } from '../ports.ts';

/** What the tally keeps of a report; the counters beyond `connections` feed GET /api/cluster. */
export type UsageSample = Pick<UsageReport, 'tenant' | 'node' | 'window_start' | 'window_ms' | 'connections'>
  & Partial<Pick<UsageReport, 'channels' | 'events_in' | 'events_out' | 'presence_events'>>;

interface Latest {
  sample: UsageSample;
  endsAt: number;
}

export class UsageTally implements ConnectedUsers {
  readonly #byTenant = new Map<string, Map<string, Latest>>();
  readonly #staleMs: number;
  readonly #now: () => number;

  constructor(now: () => number, staleMs = 3_000) {
    this.#now = now;
    this.#staleMs = staleMs;
  }

  add(report: UsageSample): void {
    let nodes = this.#byTenant.get(report.tenant);
    if (!nodes) this.#byTenant.set(report.tenant, (nodes = new Map()));
    const endsAt = report.window_start + report.window_ms;
    const prev = nodes.get(report.node);
    if (prev && prev.endsAt > endsAt) return; // reports of one gateway share a partition, but be safe
    nodes.set(report.node, { sample: report, endsAt });
  }

  connected(tenant: string): number {
    const nodes = this.#byTenant.get(tenant);
    if (!nodes) return 0;
    const since = this.#now() - this.#staleMs;
    let users = 0;
    for (const [node, latest] of nodes) {
      if (latest.endsAt < since) nodes.delete(node);
      else users += latest.sample.connections;
    }
    if (nodes.size === 0) this.#byTenant.delete(tenant);
    return users;
  }

  summary(): { gateways: number; users: number; tenants: number } {
    const since = this.#now() - this.#staleMs;
    const gateways = new Set<string>();
    let users = 0;
    let tenants = 0;
    for (const tenant of [...this.#byTenant.keys()]) {
      const n = this.connected(tenant);
      if (n > 0) tenants++;
      users += n;
      for (const [node, latest] of this.#byTenant.get(tenant) ?? []) if (latest.endsAt >= since) gateways.add(node);
    }
    return { gateways: gateways.size, users, tenants };
  }

  /** The latest report of each gateway for each tenant, of those not yet stale. */
  fresh(): UsageSample[] {
    const since = this.#now() - this.#staleMs;
    const out: UsageSample[] = [];
    for (const nodes of this.#byTenant.values()) {
      for (const latest of nodes.values()) if (latest.endsAt >= since) out.push(latest.sample);
    }
    return out;
  }
}
