// The gateway's open sockets by tenant, with what is counted over them: users and idle sockets
// (docs/PROTOCOL.md §9), the gauges of a usage report, and each tenant's inbound byte rate. The
// Gateway adds and removes sockets; this only keeps the books.
import type { Connection } from './connection.ts';
import { FrameRate } from './socket-limits.ts';

export class TenantSockets {
  readonly #byTenant = new Map<string, Set<Connection>>();
  /** Per tenant with sockets here: its inbound bytes in the current second (Gateway.receive). */
  readonly #inbound = new Map<string, FrameRate>();
  /** Read when a tenant's rate is made, so a changed setting applies to tenants that come next. */
  readonly #inboundBytesPerSecond: () => number;

  constructor(inboundBytesPerSecond: () => number) {
    this.#inboundBytesPerSecond = inboundBytesPerSecond;
  }

  add(conn: Connection): void {
    let set = this.#byTenant.get(conn.tenantId);
    if (!set) this.#byTenant.set(conn.tenantId, (set = new Set()));
    set.add(conn);
  }

  /** Its tenant's inbound rate is forgotten with the tenant's last socket. */
  delete(conn: Connection): void {
    const set = this.#byTenant.get(conn.tenantId);
    set?.delete(conn);
    if (set?.size === 0) {
      this.#byTenant.delete(conn.tenantId);
      this.#inbound.delete(conn.tenantId);
    }
  }

  has(tenantId: string): boolean {
    return this.#byTenant.has(tenantId);
  }

  of(tenantId: string): Connection[] {
    return [...(this.#byTenant.get(tenantId) ?? [])];
  }

  all(): Connection[] {
    return [...this.#byTenant.values()].flatMap((set) => [...set]);
  }

  /** Tenants with at least one socket here. */
  tenantCount(): number {
    let n = 0;
    for (const set of this.#byTenant.values()) if (set.size > 0) n++;
    return n;
  }

  /**
   * The tenant's inbound bytes per second over all its sockets: a tenant's anon key opens as many
   * sockets as it likes, so the parsing all of them cause together is bounded too.
   */
  inboundRate(tenantId: string): FrameRate {
    let rate = this.#inbound.get(tenantId);
    if (!rate) {
      rate = new FrameRate(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, this.#inboundBytesPerSecond());
      this.#inbound.set(tenantId, rate);
    }
    return rate;
  }

  /** The tenant's sockets: users (with a channel, docs/PROTOCOL.md §9) and idle ones (without). */
  socketCounts(tenantId: string): { users: number; idle: number } {
    let users = 0;
    let idle = 0;
    for (const conn of this.#byTenant.get(tenantId) ?? []) {
      if (conn.channels.size > 0) users++;
      else idle++;
    }
    return { users, idle };
  }

  /** Users and channels per tenant right now (the gauges of a usage report). */
  usageGauges(): Map<string, { connections: number; channels: number }> {
    const gauges = new Map<string, { connections: number; channels: number }>();
    for (const [tenant, conns] of this.#byTenant) {
      let connections = 0;
      let channels = 0;
      for (const c of conns) {
        if (c.channels.size > 0) connections++;
        channels += c.channels.size;
      }
      gauges.set(tenant, { connections, channels });
    }
    return gauges;
  }
}
