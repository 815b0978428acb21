// "Catalogs everywhere": no gateway source retypes a message the error catalog holds; call sites
// name the code (core/messages.ts messageOf, or the admission steps' refusal) and take the text
// from libs/errors (docs/STYLE.md §4).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { catalog } from '@realtime/errors';

const SRC = fileURLToPath(new URL('.', import.meta.url));
const messages = new Map(Object.values(catalog).flatMap((d) => (d.message ? [[d.message, d.code] as const] : [])));

/** `file:line Code 'text'` for each quoted or template string equal to a catalog message. */
function retyped(): string[] {
  const found: string[] = [];
  for (const file of readdirSync(SRC, { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    readFileSync(SRC + file, 'utf8').split('\n').forEach((line, i) => {
      if (/^\s*(\/\/|\*|\/\*)/.test(line)) return; // comments may quote the reference
      for (const m of line.matchAll(/'([^']+)'|`([^`]+)`|"([^"]+)"/g)) {
        const text = m[1] ?? m[2] ?? m[3] ?? '';
        const code = messages.get(text);
        if (code) found.push(`${file}:${i + 1} ${code} '${text}'`);
      }
    });
  }
  return found;
}

describe('catalog messages in the gateway', () => {
  it('the catalog has messages to look for', () => {
    expect(messages.get('Tenant not found')).toBe('TenantNotFound');
  });

  it('no source file retypes one', () => {
    expect(retyped()).toEqual([]);
  });
});
