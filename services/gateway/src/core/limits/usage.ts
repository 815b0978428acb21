// Per-tenant usage of this gateway over one-second windows, reported to realtime.usage for the
// ratelimiter. Counts are attempts (a refused join or message counts too): counting only what
// passed would lift every throttle a second after it began.
import type { UsageReport } from '@realtime/schemas';

type CountField = 'joins' | 'events_in' | 'events_out' | 'presence_events' | 'bytes_in' | 'bytes_out';
type Counts = Record<CountField, number>;

const empty = (): Counts => ({ joins: 0, events_in: 0, events_out: 0, presence_events: 0, bytes_in: 0, bytes_out: 0 });

export class UsageMeter {
  #counts = new Map<string, Counts>();
  #windowStart: number;

  constructor(now: number) {
    this.#windowStart = now;
  }

  count(tenant: string, field: CountField, n = 1): void {
    let c = this.#counts.get(tenant);
    if (!c) this.#counts.set(tenant, (c = empty()));
    c[field] += n;
  }

  /** Closes the window: one report per tenant with traffic or users. */
  flush(now: number, node: string, gauges: Map<string, { connections: number; channels: number }>): UsageReport[] {
    const counts = this.#counts;
    const start = this.#windowStart;
    this.#counts = new Map();
    this.#windowStart = now;
    const tenants = new Set([...counts.keys(), ...[...gauges].filter(([, g]) => g.connections > 0).map(([t]) => t)]);
    return [...tenants].map((tenant) => {
      const c = counts.get(tenant) ?? empty();
      const g = gauges.get(tenant) ?? { connections: 0, channels: 0 };
      return { tenant, node, window_start: start, window_ms: Math.max(1, now - start), connections: g.connections, channels: g.channels, ...c };
    });
  }
}
