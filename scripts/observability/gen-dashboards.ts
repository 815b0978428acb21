// `bash scripts/node scripts/observability/gen-dashboards.ts`: writes observability/grafana/dashboards/<uid>.json
// from dashboards.ts. dashboards.test.ts fails when the committed files differ from what this writes.
import { writeFileSync } from 'node:fs';
import { dashboardFiles } from './dashboard-files.ts';

for (const { path, text } of dashboardFiles()) writeFileSync(path, text);
