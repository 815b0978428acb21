// The counters the core moves; app.ts backs them with prom-client (realtime_* names, docs/METRICS.md).
export interface Counter { inc(n?: number): void }
export interface Gauge extends Counter { dec(n?: number): void }

export interface GatewayMetrics {
  connections: Gauge;
  joins: Counter;
  eventsIn: Counter;
  eventsOut: Counter;
  malformedFrames: Counter;
  changesIn: Counter;
}

const noop = { inc() {}, dec() {} };
export const noMetrics: GatewayMetrics = { connections: noop, joins: noop, eventsIn: noop, eventsOut: noop, malformedFrames: noop, changesIn: noop };
