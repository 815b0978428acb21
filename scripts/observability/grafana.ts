// Grafana dashboard JSON from short panel lists (scripts/observability/dashboards.ts): every dashboard
// gets the same `datasource` variable (any Prometheus) and grid layout, so the definitions only say
// what to plot. The JSON is written to observability/grafana/dashboards/ by gen-dashboards.ts.

export interface PanelSpec {
  title: string;
  /** PromQL per series; the legend is the map key ('' lets Grafana name the series). */
  targets: Record<string, string>;
  unit?: string;
  /** `stat` for one current number, `timeseries` (default) for a graph. */
  kind?: 'timeseries' | 'stat';
  description?: string;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  /** Extra template variables, after `datasource` (e.g. the tenant picker). */
  variables?: Array<{ name: string; label: string; query: string }>;
  rows: Array<{ title: string; panels: PanelSpec[] }>;
}

const datasource = { type: 'prometheus', uid: '${datasource}' };
const WIDTH = 24;

export function buildDashboard(spec: DashboardSpec): Record<string, unknown> {
  const panels: Array<Record<string, unknown>> = [];
  let id = 0;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({ id: ++id, type: 'row', title: row.title, collapsed: false, gridPos: { h: 1, w: WIDTH, x: 0, y: y++ }, panels: [] });
    // Stats are small (4 wide, 4 high), graphs half the width (12 wide, 8 high).
    let x = 0;
    let rowHeight = 0;
    for (const p of row.panels) {
      const [w, h] = p.kind === 'stat' ? [4, 4] : [12, 8];
      if (x + w > WIDTH) ((y += rowHeight), (x = 0), (rowHeight = 0));
      panels.push(panel(p, ++id, { h, w, x, y }));
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['realtime'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    templating: { list: [datasourceVariable(), ...(spec.variables ?? []).map(queryVariable)] },
    panels,
  };
}

function panel(p: PanelSpec, id: number, gridPos: Record<string, number>): Record<string, unknown> {
  return {
    id,
    type: p.kind ?? 'timeseries',
    title: p.title,
    ...(p.description ? { description: p.description } : {}),
    datasource,
    gridPos,
    fieldConfig: { defaults: { unit: p.unit ?? 'short' }, overrides: [] },
    options: p.kind === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'value' } : { legend: { displayMode: 'list', placement: 'bottom' } },
    targets: Object.entries(p.targets).map(([legend, expr], i) => ({
      refId: String.fromCharCode(65 + i), datasource, expr, legendFormat: legend || '__auto',
    })),
  };
}

function datasourceVariable(): Record<string, unknown> {
  return { name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {}, hide: 0 };
}

function queryVariable(v: { name: string; label: string; query: string }): Record<string, unknown> {
  return {
    name: v.name, label: v.label, type: 'query', datasource, query: { query: v.query, refId: 'variable' },
    definition: v.query, refresh: 2, sort: 1, includeAll: false, multi: false, current: {}, hide: 0,
  };
}
