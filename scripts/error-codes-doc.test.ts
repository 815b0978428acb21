// docs/ERROR_CODES.md is generated from the catalog of libs/errors (docs/STYLE.md §4); this lives
// next to its generator because a lib's test must not reach out of its package.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { catalog } from '@realtime/errors';
import { errorCodesPath, renderErrorCodes } from './gen-error-codes.ts';

it('docs/ERROR_CODES.md matches the catalog (run `bash scripts/node scripts/gen-error-codes.ts`)', () => {
  expect(readFileSync(errorCodesPath, 'utf8')).toBe(renderErrorCodes());
});

it('lists every code once', () => {
  const doc = renderErrorCodes();
  for (const code of Object.keys(catalog)) expect(doc.split(`| \`${code}\``).length - 1).toBe(1);
});
