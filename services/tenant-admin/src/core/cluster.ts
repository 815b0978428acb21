// GET /api/cluster, the Inspector's cluster view: gateways and tenants from the usage reports,
// throttles from realtime.limits, consumer group lag from Kafka, and the replication slots of the
// tenant databases. The parts that go out to Kafka and Postgres are bounded (MAX_SLOT_TENANTS
// databases) and the whole answer is kept for CACHE_MS, so viewers polling it every couple of
// seconds cost one round of queries, however many there are.
import type { ClusterJson } from './api-schemas.ts';
import { summariseUsage } from './cluster-usage.ts';
import { tenantDbConnection } from './tenant-service.ts';
import type { ConsumerLagSource, RecentUsage, ReplicationSlots, TenantStore, Throttles } from '../ports.ts';

const MAX_SLOT_TENANTS = 50;
const CACHE_MS = 1500;

export interface ClusterDeps {
  node: string;
  usage: RecentUsage;
  throttles: Throttles;
  lag: ConsumerLagSource;
  store: Pick<TenantStore, 'list'>;
  slots: ReplicationSlots;
  /** Decrypts the tenants' database settings. */
  key: Buffer;
  now: () => number;
}

export function clusterOverview(d: ClusterDeps): () => Promise<ClusterJson> {
  let cached: { at: number; value: Promise<ClusterJson> } | null = null;
  return () => {
    const now = d.now();
    if (!cached || now - cached.at > CACHE_MS) cached = { at: now, value: build(d, now) };
    const mine = cached;
    // A failed build is not kept for the next caller.
    mine.value.catch(() => { if (cached === mine) cached = null; });
    return mine.value;
  };
}

async function build(d: ClusterDeps, now: number): Promise<ClusterJson> {
  const [lag, replication] = await Promise.all([consumerLag(d), replicationSlots(d)]);
  return { node: d.node, ...summariseUsage(d.usage.fresh(), (t) => d.throttles.throttled(t, now)), consumer_lag: lag, replication };
}

async function consumerLag(d: ClusterDeps): Promise<ClusterJson['consumer_lag']> {
  try {
    return { groups: await d.lag.read() };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

async function replicationSlots(d: ClusterDeps): Promise<ClusterJson['replication']> {
  const rows = (await d.store.list()).map((row) => ({ id: row.external_id, target: tenantDbConnection(row, d.key) }))
    .filter((r) => r.target !== null).slice(0, MAX_SLOT_TENANTS);
  const perTenant = await Promise.all(rows.map(async ({ id, target }): Promise<ClusterJson['replication']> => {
    try {
      const slots = await d.slots.list(target!);
      if (slots.length === 0) return [{ external_id: id, slot: null, active: false, lag_bytes: null }];
      return slots.map((s) => ({ external_id: id, slot: s.slot, active: s.active, lag_bytes: s.lagBytes }));
    } catch (err) {
      return [{ external_id: id, slot: null, active: false, lag_bytes: null, error: err instanceof Error ? err.message : String(err) }];
    }
  }));
  return perTenant.flat();
}
