// In-memory fakes of the gateway's own ports, for unit tests of the core (style.md §1, §10).
import { createLogger } from '@realtime/log';
import { Writable } from 'node:stream';
import type { BroadcastBus, ClientSocket, Clock, TenantDirectory } from '../ports.ts';
import type { OutboundBroadcast } from './broadcast-message.ts';
import { Gateway } from './gateway.ts';
import { noMetrics } from './metrics.ts';
import type { Tenant } from './tenant.ts';

export class MemorySocket implements ClientSocket {
  readonly id: string;
  readonly frames: Array<string | Uint8Array> = [];
  closed: { code: number; reason?: string } | null = null;
  constructor(id: string) { this.id = id; }
  send(frame: string | Uint8Array) { this.frames.push(frame); }
  close(code: number, reason?: string) { this.closed = { code, reason }; }
  /** Text frames decoded as JSON (2.0.0 arrays or 1.0.0 objects). */
  json(): unknown[] { return this.frames.filter((f): f is string => typeof f === 'string').map((f) => JSON.parse(f)); }
  binary(): Uint8Array[] { return this.frames.filter((f): f is Uint8Array => typeof f !== 'string'); }
}

export class MemoryTenants implements TenantDirectory {
  readonly #tenants = new Map<string, Tenant>();
  readonly #listeners: Array<(p: Tenant | undefined, n: Tenant | undefined) => void> = [];
  get(id: string) { return this.#tenants.get(id); }
  onChange(l: (p: Tenant | undefined, n: Tenant | undefined) => void) { this.#listeners.push(l); }
  put(t: Tenant | undefined, id = t?.externalId) {
    const prev = this.#tenants.get(id!);
    if (t) this.#tenants.set(id!, t); else this.#tenants.delete(id!);
    for (const l of this.#listeners) l(prev, t);
  }
}

export class MemoryBus implements BroadcastBus {
  readonly published: OutboundBroadcast[] = [];
  async publish(m: OutboundBroadcast) { this.published.push(m); }
}

export class ManualClock implements Clock {
  t = 1_700_000_000_000;
  #timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  now() { return this.t; }
  setTimeout(fn: () => void, ms: number) {
    const timer = { at: this.t + ms, fn, live: true };
    this.#timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }
  advance(ms: number) {
    this.t += ms;
    for (const timer of this.#timers.filter((x) => x.live && x.at <= this.t)) { timer.live = false; timer.fn(); }
  }
}

export function tenant(overrides: Partial<Tenant> = {}): Tenant {
  return {
    externalId: 'acme', id: '00000000-0000-0000-0000-000000000001', name: 'acme', jwtSecret: 'secret-of-acme-at-least-32-chars!!', jwks: null,
    limits: { maxConcurrentUsers: 200, maxEventsPerSecond: 100, maxJoinsPerSecond: 100, maxChannelsPerClient: 100, maxBytesPerSecond: 100_000,
      maxPresenceEventsPerSecond: 1000, maxPayloadSizeInKb: 3000, clientPresenceMaxCalls: 5, clientPresenceWindowMs: 30_000 },
    suspend: false, privateOnly: false, presenceEnabled: false, reloadSeq: 0,
    ...overrides,
  };
}

export function testGateway(clock = new ManualClock()) {
  const tenants = new MemoryTenants();
  const bus = new MemoryBus();
  const silent = new Writable({ write: (_c, _e, cb) => cb() });
  const gateway = new Gateway({
    nodeId: 'node-a', tenants, bus, clock, log: createLogger({ service: 'test', destination: silent }), metrics: noMetrics,
    claimValidators: {}, channelErrorBackoffMs: 0,
  });
  return { gateway, tenants, bus, clock };
}
