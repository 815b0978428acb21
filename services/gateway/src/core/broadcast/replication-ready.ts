// broadcast.replication_ready (docs/PROTOCOL.md §3.5): a channel that opts in is told once, after its join
// reply, that the tenant's replication is established (`system`/`ok`/`Replication connection
// established`). Until then it is asked again every half second, as the reference does; if the
// replication is still not there when the timeout (GATEWAY_REPLICATION_READY_TIMEOUT_MS, 60 s)
// has passed, the channel is shut down with `Replication connection was not established in time`.
//
// "Established" is the tenant database's own answer: the replication slot is active, i.e. an
// ingest-cdc worker streams it (the question tenant-admin's health endpoint asks too). Channels of
// one tenant share one answer per interval, so a crowd of joins costs one query, not one each.
import { ErrorCodes } from '@realtime/errors';
import type { GatewayContext } from '../context/context.ts';
import type { Channel } from '../channels/connection.ts';

export const REPLICATION_CHECK_INTERVAL_MS = 500;
export const DEFAULT_REPLICATION_READY_TIMEOUT_MS = 60_000;
export const REPLICATION_READY_MESSAGE = 'Replication connection established';
export const REPLICATION_NOT_READY_MESSAGE = 'Replication connection was not established in time';

/** Shared answers per gateway and tenant; an answer is reused for one interval. */
const answers = new WeakMap<GatewayContext, Map<string, { at: number; active: Promise<boolean> }>>();
const MAX_REMEMBERED = 1000;

function replicationActive(g: GatewayContext, tenantId: string): Promise<boolean> {
  let byTenant = answers.get(g);
  if (!byTenant) answers.set(g, (byTenant = new Map()));
  const now = g.clock.now();
  const known = byTenant.get(tenantId);
  if (known && now - known.at < REPLICATION_CHECK_INTERVAL_MS) return known.active;
  if (byTenant.size >= MAX_REMEMBERED) {
    for (const [t, a] of byTenant) if (now - a.at >= REPLICATION_CHECK_INTERVAL_MS) byTenant.delete(t);
  }
  const tenant = g.tenant(tenantId);
  const db = tenant ? g.databases.get(tenant) : null;
  // A database that cannot answer has no replication we could vouch for: not yet.
  const active = db ? db.replicationActive().catch(() => false) : Promise.resolve(false);
  byTenant.set(tenantId, { at: now, active });
  return active;
}

export function watchReplicationReady(g: GatewayContext, channel: Channel): void {
  const deadline = g.clock.now() + (g.replicationReadyTimeoutMs ?? DEFAULT_REPLICATION_READY_TIMEOUT_MS);
  let timer: { cancel(): void } | null = null;
  let over = false;
  channel.cleanups.push(() => {
    over = true;
    timer?.cancel();
  });
  const check = async () => {
    timer = null;
    const active = await replicationActive(g, channel.conn.tenantId);
    if (over || channel.conn.channels.get(channel.topic) !== channel) return;
    if (active) {
      over = true;
      channel.conn.push(channel, 'system', { extension: 'system', status: 'ok', message: REPLICATION_READY_MESSAGE, channel: channel.subtopic });
    } else if (g.clock.now() >= deadline) {
      over = true;
      g.log.info({ code: ErrorCodes.ChannelShutdown, tenant: channel.conn.tenantId, topic: channel.topic }, 'replication not established in time');
      g.shutdownChannel(channel, REPLICATION_NOT_READY_MESSAGE);
    } else {
      timer = g.clock.setTimeout(() => void check(), REPLICATION_CHECK_INTERVAL_MS);
    }
  };
  void check();
}
