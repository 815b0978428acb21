// The gateway's ports and counters as the core's steps see them: log, metrics, clock, tenant
// databases, tenants, token verification and the limits. Nothing here names a channel or a socket,
// so the admission steps, the rate checks and the channel policies depend on this file alone, not
// on the channel operations of context.ts (docs/STYLE.md §2, §12). Gateway implements it.
import type { Logger } from '@realtime/log';
import type { Clock, TenantDatabases } from '../../ports.ts';
import type { LimitName, Throttle } from '../limits/global-limits.ts';
import type { Verified } from '../auth/jwt.ts';
import type { LocalLimits } from '../limits/local-limits.ts';
import type { GatewayMetrics } from '../metrics/metrics.ts';
import type { Tenant } from '../base/tenant.ts';
import type { UsageMeter } from '../limits/usage.ts';

export interface GatewayPorts {
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

  tenant(id: string): Tenant | undefined;
  verify(token: string | null | undefined, tenant: Tenant): Promise<Verified>;
  throttled(tenantId: string, limit: LimitName): Throttle | null;
  socketCounts(tenantId: string): { users: number; idle: number };
  concurrentUsers(tenantId: string): number;
}
