// docs/METRICS.md against what the services register, both ways: every metric a service registers
// is documented, and every metric the doc says we provide is registered. Names come from the
// adapters themselves (registered into fresh registries) plus a scan of the sources for the
// metrics defined inline (`name: 'realtime_…'`, e.g. in app.ts); the doc's table of reference
// metrics not provided is left out of the second check.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consumerLagGauge, consumerRecordsSkippedCounter, createRegistry, type Registry } from '@realtime/metrics';
import { promGatewayMetrics } from '../services/gateway/src/adapters/prom-metrics.ts';
import { promServerConnections } from '../services/gateway/src/adapters/prom-reference-metrics.ts';
import { promCdcMetrics } from '../services/ingest-cdc/src/adapters/prom-metrics.ts';
import { promPresenceMetrics } from '../services/presence-service/src/adapters/prom-metrics.ts';
import { promRatelimiterMetrics } from '../services/ratelimiter/src/adapters/prom-metrics.ts';

const root = join(import.meta.dirname, '..');
const doc = readFileSync(join(root, 'docs/METRICS.md'), 'utf8');
const NOT_PROVIDED = '## Reference metrics not provided';

function adapterNames(): string[] {
  // One registry per service, as in the services (two of them export realtime_channel_events).
  const registries = ['gateway', 'ingest-cdc', 'presence-service', 'ratelimiter'].map((s) => createRegistry(s, false));
  const [gateway, cdc, presence, ratelimiter] = registries as [Registry, Registry, Registry, Registry];
  promGatewayMetrics(gateway);
  promServerConnections(gateway, 1, { on: () => undefined });
  promCdcMetrics(cdc).tenant('t');
  promPresenceMetrics(presence);
  promRatelimiterMetrics(ratelimiter);
  consumerLagGauge(presence);
  consumerRecordsSkippedCounter(presence);
  return registries.flatMap((r) => r.getMetricsAsArray().map((m) => m.name));
}

function inlineNames(): string[] {
  const names: string[] = [];
  for (const dir of ['services', 'libs']) {
    for (const file of readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts') || file.includes('node_modules')) continue;
      for (const m of readFileSync(join(root, dir, file), 'utf8').matchAll(/\bname: '((?:realtime|phoenix)_[a-z0-9_]+)'/g)) names.push(m[1]!);
    }
  }
  return names;
}

/** Backticked names in the first column of the doc's tables (labels in braces dropped). */
function documented(text: string): Set<string> {
  const names = new Set<string>();
  for (const row of text.matchAll(/^\|([^|]*)\|/gm)) {
    for (const m of row[1]!.matchAll(/`([a-z_][a-z0-9_]*)(?:\{[^}]*\})?`/g)) names.add(m[1]!);
  }
  return names;
}

describe('docs/METRICS.md', () => {
  const registered = new Set([...adapterNames(), ...inlineNames()]);
  const [provided, notProvided] = doc.split(NOT_PROVIDED);

  it('documents every metric the services register', () => {
    const all = documented(provided!);
    expect([...registered].filter((n) => !all.has(n)).sort()).toEqual([]);
  });

  it('lists only metrics some service registers as provided', () => {
    expect([...documented(provided!)].filter((n) => !registered.has(n)).sort()).toEqual([]);
  });

  it('keeps the not-provided table apart from the registered names', () => {
    expect(notProvided).toBeDefined();
    expect([...documented(notProvided!)].filter((n) => registered.has(n))).toEqual([]);
  });
});
