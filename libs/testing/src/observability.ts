// Every metric name the committed dashboards and alert rules (observability/ at the repository root)
// read, with where each is read, so tests can compare them with what the services export
// (test-e2e/observability-metrics.test.ts) and check the files (scripts/observability/*.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { grafanaQueryMetricNames, promqlMetricNames } from './promql-names.ts';

export const observabilityDir = join(import.meta.dirname, '../../../observability');
export const alertsFile = join(observabilityDir, 'prometheus/alerts.yml');
const dashboardsDir = join(observabilityDir, 'grafana/dashboards');

/** Series Prometheus records itself for each scrape target: never in a service's /metrics. */
export const PROMETHEUS_OWN_SERIES = new Set(['up']);

export interface Dashboard {
  file: string;
  json: {
    uid: string;
    templating: { list: Array<{ name: string; type: string; query: unknown }> };
    panels: Array<{ id: number; type: string; title: string; datasource?: { uid: string }; targets?: Array<{ expr: string; datasource?: { uid: string } }> }>;
  };
}

export function readDashboards(): Dashboard[] {
  return readdirSync(dashboardsDir).filter((f) => f.endsWith('.json')).sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) as Dashboard['json'] }));
}

export function readAlertRules(): Array<{ alert: string; expr: string }> {
  const doc = parse(readFileSync(alertsFile, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
  return doc.groups.flatMap((g) => g.rules);
}

/** metric name → the panels, variables and alerts that read it. */
export function referencedMetrics(): Map<string, string[]> {
  const refs = new Map<string, string[]>();
  const add = (names: string[], where: string) => {
    for (const n of names) refs.set(n, [...(refs.get(n) ?? []), where]);
  };
  for (const { file, json } of readDashboards()) {
    for (const p of json.panels) for (const t of p.targets ?? []) add(promqlMetricNames(t.expr), `${file} panel "${p.title}"`);
    for (const v of json.templating.list) {
      if (v.type === 'query') add(grafanaQueryMetricNames((v.query as { query: string }).query), `${file} variable ${v.name}`);
    }
  }
  for (const r of readAlertRules()) add(promqlMetricNames(r.expr), `alert ${r.alert}`);
  return refs;
}
