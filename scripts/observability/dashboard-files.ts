// The dashboard files as gen-dashboards.ts writes them: one JSON per dashboard, named by its uid.
import { join } from 'node:path';
import { dashboards } from './dashboards.ts';
import { buildDashboard } from './grafana.ts';

export const dashboardDir = join(import.meta.dirname, '../../observability/grafana/dashboards');

export function dashboardFiles(): Array<{ path: string; text: string }> {
  return dashboards.map((d) => ({ path: join(dashboardDir, `${d.uid}.json`), text: `${JSON.stringify(buildDashboard(d), null, 2)}\n` }));
}
