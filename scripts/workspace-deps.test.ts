// Every workspace declares the packages it imports, and its `exports` point at files that exist
// (docs/STYLE.md, Layout). An undeclared import works only by the accident of npm hoisting and
// breaks as soon as the workspace is installed or deployed on its own.
import { builtinModules } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  importsOf,
  isBare,
  packageOf,
  readManifest,
  root,
  tsFiles,
  workspaces,
  type PackageJson,
} from './workspace-imports.ts';

// The root's devDependencies are the repository's tools (vitest, typescript, the @types
// packages); every workspace's tests use them without declaring them again.
const tools = new Set(Object.keys(readManifest('.').devDependencies ?? {}));
const builtins = new Set(builtinModules);
const all = workspaces();
const byName = new Map(all.map((w) => [w.manifest.name, w]));

function declared(manifest: PackageJson): Set<string> {
  return new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.devDependencies ?? {}),
  ]);
}

/** The file paths of an `exports` field, whether a string, a subpath map or conditions. */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports];
  if (exports && typeof exports === 'object') return Object.values(exports).flatMap(exportTargets);
  return [];
}

/** `.` for `@realtime/x`, `./sub` for `@realtime/x/sub`. */
function subpath(specifier: string): string {
  const rest = specifier.slice(packageOf(specifier).length);
  return rest ? `.${rest}` : '.';
}

function exportKeys(exports: PackageJson['exports']): string[] {
  if (exports === undefined) return [];
  if (typeof exports === 'string') return ['.'];
  const keys = Object.keys(exports);
  return keys.every((k) => k.startsWith('.')) ? keys : ['.'];
}

describe('workspace dependencies', () => {
  it('finds the workspaces and their imports', () => {
    expect(all.map((w) => w.dir)).toContain('services/gateway');
    const gatewayImports = tsFiles('services/gateway/src').flatMap(importsOf);
    expect(gatewayImports.some((i) => i.specifier === 'ws')).toBe(true);
  });

  it('each workspace declares every package its .ts files import', () => {
    const missing: string[] = [];
    for (const { dir, manifest } of all) {
      const ok = declared(manifest);
      for (const ref of tsFiles(dir).flatMap(importsOf)) {
        if (!isBare(ref.specifier)) continue;
        const pkg = packageOf(ref.specifier);
        if (builtins.has(pkg) || ok.has(pkg) || tools.has(pkg)) continue;
        missing.push(`${ref.file}:${ref.line}: '${ref.specifier}' is not declared in ${dir}/package.json`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('imports of a workspace package name a subpath it exports', () => {
    const unexported: string[] = [];
    for (const { dir } of all) {
      for (const ref of tsFiles(dir).flatMap(importsOf)) {
        const target = isBare(ref.specifier) ? byName.get(packageOf(ref.specifier)) : undefined;
        if (!target) continue;
        if (exportKeys(target.manifest.exports).includes(subpath(ref.specifier))) continue;
        unexported.push(`${ref.file}:${ref.line}: ${target.manifest.name} exports no '${subpath(ref.specifier)}'`);
      }
    }
    expect(unexported).toEqual([]);
  });

  it('no exports entry points at a missing file', () => {
    const broken: string[] = [];
    for (const { dir, manifest } of all) {
      for (const target of exportTargets(manifest.exports)) {
        if (!existsSync(join(root, dir, target))) broken.push(`${dir}/package.json exports ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
