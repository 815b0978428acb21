// "No adapter calls into a core" (docs/STYLE.md §2): presence-service's adapters take the core's
// rules as ports from app.ts (ports.ts PresenceRules) and import only its types, so the Redis
// code can change without touching presence semantics and the other way round.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('.', import.meta.url));
const VALUE_IMPORT_OF_CORE = /^\s*import\s+(?!type\s)[^;]*?from\s+['"]\.\.\/core\//gm;

describe('presence-service adapters', () => {
  it('import no values from the core', () => {
    const found = readdirSync(DIR)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .flatMap((f) => [...readFileSync(DIR + f, 'utf8').matchAll(VALUE_IMPORT_OF_CORE)].map((m) => `${f}: ${m[0].trim()}`));
    expect(found).toEqual([]);
  });
});
