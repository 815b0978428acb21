// The committed Grafana dashboards: what gen-dashboards.ts writes (so nobody hand-edits one copy),
// valid JSON with unique panel ids, a `datasource` variable every panel and query uses, and every
// panel with at least one query reading a metric. That the metrics exist is checked against a live
// scrape by test-e2e/observability-metrics.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dashboardFiles } from './dashboard-files.ts';
import { promqlMetricNames } from '@realtime/testing/promql-names';
import { readDashboards } from '@realtime/testing/observability';

describe('grafana dashboards', () => {
  it('are the files gen-dashboards.ts writes (run it after changing dashboards.ts)', () => {
    for (const { path, text } of dashboardFiles()) expect(readFileSync(path, 'utf8'), path).toBe(text);
    expect(readDashboards().map((d) => d.file)).toEqual(['realtime-cdc.json', 'realtime-overview.json', 'realtime-presence.json', 'realtime-tenant.json']);
  });

  it('have unique uids and panel ids, and query through the datasource variable', () => {
    const dashboards = readDashboards();
    expect(new Set(dashboards.map((d) => d.json.uid)).size).toBe(dashboards.length);
    for (const { file, json } of dashboards) {
      const ids = json.panels.map((p) => p.id);
      expect(new Set(ids).size, `${file}: duplicate panel id`).toBe(ids.length);
      expect(json.templating.list[0], file).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
      for (const p of json.panels.filter((x) => x.type !== 'row')) {
        expect(p.datasource?.uid, `${file} "${p.title}"`).toBe('${datasource}');
        expect(p.targets?.length, `${file} "${p.title}"`).toBeGreaterThan(0);
        for (const t of p.targets!) {
          expect(t.datasource?.uid).toBe('${datasource}');
          expect(promqlMetricNames(t.expr), `${file} "${p.title}": ${t.expr}`).not.toEqual([]);
        }
      }
    }
  });

  it('template the tenant dashboard on the tenant label, and use it in every tenant query', () => {
    const tenant = readDashboards().find((d) => d.file === 'realtime-tenant.json')!.json;
    expect(tenant.templating.list.map((v) => v.name)).toEqual(['datasource', 'tenant']);
    for (const p of tenant.panels) for (const t of p.targets ?? []) expect(t.expr).toContain('tenant="$tenant"');
  });
});
