// Every client-facing code is either used by the code base or says in its description why its
// situation cannot happen here, so docs/ERROR_CODES.md never lists a code nobody emits without
// saying so, nor calls a code unused that something has started to emit.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog } from './index.ts';

const root = resolve(import.meta.dirname, '../../..');
const NOT_EMITTED = /^Not emitted: \S/;

/** Source files (tests excluded) of every service and lib except this one, and of scripts/. */
function sources(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory() && e.name !== 'node_modules') walk(path);
      else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) files.push(path);
    }
  };
  for (const group of ['services', 'libs']) {
    for (const pkg of readdirSync(join(root, group))) if (!(group === 'libs' && pkg === 'errors')) walk(join(root, group, pkg));
  }
  walk(join(root, 'scripts'));
  return files;
}

const text = sources().map((f) => readFileSync(f, 'utf8')).join('\n');
const used = (code: string) => new RegExp(`ErrorCodes\\.${code}\\b`).test(text);
const clientCodes = Object.values(catalog).filter((d) => d.clientFacing);

describe('client-facing codes', () => {
  it('finds the sources (guards the walk itself)', () => {
    expect(used('TenantNotFound')).toBe(true);
    expect(used('NoSuchCode')).toBe(false);
  });

  it('are each referenced outside libs/errors, or marked "Not emitted: <why>"', () => {
    const silent = clientCodes.filter((d) => !used(d.code) && !NOT_EMITTED.test(d.description)).map((d) => d.code);
    expect(silent).toEqual([]);
  });

  it('marked "Not emitted" are indeed referenced nowhere', () => {
    const stale = clientCodes.filter((d) => used(d.code) && NOT_EMITTED.test(d.description)).map((d) => d.code);
    expect(stale).toEqual([]);
  });
});
