import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { errorCodesPath, renderErrorCodes } from '../../../scripts/gen-error-codes.ts';
import { catalog } from './index.ts';

it('docs/ERROR_CODES.md matches the catalog (run `bash scripts/node scripts/gen-error-codes.ts`)', () => {
  expect(readFileSync(errorCodesPath, 'utf8')).toBe(renderErrorCodes());
});

it('lists every code once', () => {
  const doc = renderErrorCodes();
  for (const code of Object.keys(catalog)) expect(doc.split(`| \`${code}\``).length - 1).toBe(1);
});
