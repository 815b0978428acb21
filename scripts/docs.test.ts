import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { envsPath, renderEnvs } from './gen-docs.ts';

it('docs/ENVS.md matches the config schemas (run `npm run docs`)', () => {
  expect(readFileSync(envsPath, 'utf8')).toBe(renderEnvs());
});
