import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { literalStatuses, retypedStrings } from './source-literals.ts';

const root = mkdtempSync(join(tmpdir(), 'literals-'));
mkdirSync(join(root, 'core'));
writeFileSync(join(root, 'core/a.ts'), [
  "res.status(404).json({ message: 'Tenant not found' });",
  '// res.status(500) in a comment is fine',
  'return { status: 422, body };',
  'if (err.status === 415) return;',
  'res.status(HttpStatus.NoContent).end();',
  'return answer(socket, 503, AT_CAPACITY);',
].join('\n'));
writeFileSync(join(root, 'core/a.test.ts'), "res.status(404); 'Tenant not found'");
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('source literals', () => {
  it('finds statuses written as numbers, outside comments and tests', () => {
    expect(literalStatuses(root)).toEqual(['core/a.ts:1 .status(404', 'core/a.ts:3 status: 422', 'core/a.ts:4 status === 415', 'core/a.ts:6 answer(socket, 503']);
  });

  it('finds strings a catalog holds', () => {
    expect(retypedStrings(root, new Map([['Tenant not found', 'TenantNotFound']]))).toEqual(["core/a.ts:1 TenantNotFound 'Tenant not found'"]);
  });
});
