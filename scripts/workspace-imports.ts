// Reads the workspaces of the repository and the import specifiers of their .ts files, for the
// checks of declared dependencies and import direction (scripts/workspace-deps.test.ts,
// scripts/import-direction.test.ts). Plain text scanning: no TypeScript parser needed for
// `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..');

export type Workspace = {
  /** Directory relative to the repository root, e.g. `services/gateway`. */
  dir: string;
  manifest: PackageJson;
};

export type PackageJson = {
  name: string;
  exports?: string | Record<string, unknown>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

export type ImportRef = {
  /** File relative to the repository root. */
  file: string;
  line: number;
  specifier: string;
};

export function readManifest(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as PackageJson;
}

/** Every workspace the root package.json names (globs of the form `dir/*` or plain dirs). */
export function workspaces(): Workspace[] {
  const patterns = (readManifest('.') as PackageJson & { workspaces: string[] }).workspaces;
  const dirs = patterns.flatMap((p) => {
    if (!p.endsWith('/*')) return [p];
    const parent = p.slice(0, -2);
    return readdirSync(join(root, parent), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `${parent}/${d.name}`);
  });
  return dirs
    .filter((dir) => existsSync(join(root, dir, 'package.json')))
    .map((dir) => ({ dir, manifest: readManifest(dir) }));
}

/** The .ts files under `dir` (relative to the root), node_modules excluded. */
export function tsFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string): void => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const path = join(abs, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) out.push(relative(root, path));
    }
  };
  walk(join(root, dir));
  return out.sort();
}

// `from '…'` closes every static import/export with a source; a bare `import '…'` is a
// side-effect import; `import('…')` a dynamic one with a literal specifier.
const PATTERNS = [
  /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm,
  /^\s*import\s*['"]([^'"]+)['"]/gm,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** Blanks out comments (keeping line breaks) so that an example in a comment is not an import. */
function stripComments(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/[^\n]*/g, (_m, before: string) => before);
}

export function importsOf(file: string): ImportRef[] {
  const text = stripComments(readFileSync(join(root, file), 'utf8'));
  const refs: ImportRef[] = [];
  for (const pattern of PATTERNS) {
    for (const m of text.matchAll(pattern)) {
      const specifier = m[1] as string;
      const at = (m.index ?? 0) + m[0].lastIndexOf(specifier);
      refs.push({ file, line: text.slice(0, at).split('\n').length, specifier });
    }
  }
  return refs;
}

/** `@scope/name` or `name` of a bare specifier (`@scope/name/sub` → `@scope/name`). */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

export function isBare(specifier: string): boolean {
  return !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('node:');
}
