// What a frame handler, an admission step or a feature helper may use of the gateway: its ports
// (log, metrics, clock, tenant databases) and the few operations on channels and tenants. They
// take this, not the Gateway class, so none of them imports gateway.ts and gateway.ts can import
// the dispatch table without a circle (docs/STYLE.md §12; the import graph is checked by
// import-graph.test.ts). Gateway implements it.
import type { Logger } from '@realtime/log';
import type { Clock, TenantDatabases } from '../ports.ts';
import type { OutboundBroadcast } from './broadcast-message.ts';
import type { Channel } from './channel.ts';
import type { Connection } from './connection.ts';
import type { LimitName, Throttle } from './global-limits.ts';
import type { Verified } from './jwt.ts';
import type { LocalLimits } from './local-limits.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { ChangeFanout } from './postgres-changes/fanout.ts';
import type { PresenceHub } from './presence/hub.ts';
import type { Tenant } from './tenant.ts';
import type { UsageMeter } from './usage.ts';

export interface GatewayContext {
  readonly nodeId: string;
  readonly log: Logger;
  readonly metrics: GatewayMetrics;
  readonly clock: Clock;
  readonly databases: TenantDatabases;
  /** Backoff of a channel crashed by an unexpected error before it may rejoin. */
  readonly channelErrorBackoffMs: number;
  /** How long a `broadcast.replication_ready` join waits (docs/PROTOCOL.md §3.5); undefined: the default. */
  readonly replicationReadyTimeoutMs: number | undefined;
  /** This gateway's counters of the tenant limits (docs/PROTOCOL.md §9). */
  readonly limits: LocalLimits;
  readonly usage: UsageMeter;
  readonly presence: PresenceHub;
  readonly changes: ChangeFanout;

  tenant(id: string): Tenant | undefined;
  verify(token: string | null | undefined, tenant: Tenant): Promise<Verified>;
  throttled(tenantId: string, limit: LimitName): Throttle | null;
  socketCounts(tenantId: string): { users: number; idle: number };
  concurrentUsers(tenantId: string): number;
  addChannel(channel: Channel): void;
  removeChannel(channel: Channel): void;
  shutdownChannel(channel: Channel, message: string): void;
  publish(message: OutboundBroadcast, sender?: Channel): Promise<void>;
  detach(conn: Connection): void;
}
