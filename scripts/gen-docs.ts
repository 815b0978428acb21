// Generates docs/ENVS.md from the services' config schemas (`npm run docs`, which also runs gen-error-codes.ts);
// scripts/docs.test.ts fails when the committed file differs from what this renders.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEnvDoc } from '@realtime/config';
import { serviceConfigs } from './service-configs.ts';

export function renderEnvs(): string {
  return [
    '# Environment variables',
    '',
    'Generated from each service\'s config schema (`services/<name>/src/config.ts`) by `npm run docs`. Do not edit by hand.',
    '',
    ...Object.values(serviceConfigs).map((schema) => renderEnvDoc(schema)),
  ].join('\n');
}

export const envsPath = join(import.meta.dirname, '../docs/ENVS.md');

if (import.meta.main) writeFileSync(envsPath, renderEnvs());
