// GET /api/cluster, the Inspector's cluster view: gateways and tenants from the usage reports,
// throttles from realtime.limits, consumer group lag from Kafka, the replication slots of the
// tenant databases and presence members from presence-service's Redis. What goes out to Postgres
// is bounded (MAX_SLOT_TENANTS databases) and the whole answer is kept for CACHE_MS, so viewers
// polling it every couple of seconds cost one round of queries, however many there are.
import type { ClusterJson } from './api-schemas.ts';
import { summariseUsage } from './cluster-usage.ts';
import { tenantDbConnection } from './tenant-service.ts';
import type { ConsumerLagSource, PresenceMembers, RecentUsage, ReplicationSlots, TenantStore, Throttles } from '../ports.ts';

const MAX_SLOT_TENANTS = 50;
const CACHE_MS = 1500;

export interface ClusterDeps {
  node: string;
  usage: RecentUsage;
  throttles: Throttles;
  lag: ConsumerLagSource;
  store: Pick<TenantStore, 'list'>;
  slots: ReplicationSlots;
  /** null: tenant-admin was given no Redis of presence. */
  presence: PresenceMembers | null;
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
  const [lag, replication, presence] = await Promise.all([
    orError(async () => ({ groups: await d.lag.read() })),
    replicationSlots(d),
    orError(async () => {
      if (!d.presence) throw new Error('tenant-admin has no REDIS_URL or REDIS_CLUSTER_NODES');
      return { tenants: (await d.presence.count()).map(({ tenant, ...n }) => ({ external_id: tenant, ...n })) };
    }),
  ]);
  return { node: d.node, ...summariseUsage(d.usage.fresh(), (t) => d.throttles.throttled(t, now)), consumer_lag: lag, replication, presence };
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A part that cannot be read becomes its error, in place, instead of failing the whole answer. */
async function orError<T>(read: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await read();
  } catch (err) {
    return { error: message(err) };
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
      return [{ external_id: id, slot: null, active: false, lag_bytes: null, error: message(err) }];
    }
  }));
  return perTenant.flat();
}
