// Imports go one way (docs/STYLE.md, Layout; docs/ARCHITECTURE.md): a service's core never
// imports its adapters or transport, nor the clients only they may use; libs never import
// services; services never import each other; no relative import climbs out of its package;
// production code (src/, tests aside) never imports test code (a package's test/ folder,
// @realtime/testing), and test helpers, fixtures and samples are not kept under src/ at all.
import { execFileSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, isBare, packageOf, root, tsFiles, workspaces, type ImportRef } from './workspace-imports.ts';

const all = workspaces();
const services = all.filter((w) => w.dir.startsWith('services/'));
const serviceNames = new Set(services.map((w) => w.manifest.name));

// Only transport/ and adapters/ talk to sockets, HTTP, Kafka, Redis and Postgres (docs/STYLE.md,
// Layout), which keeps the core testable with in-memory fakes.
const CLIENTS = new Set(['ws', 'express', 'kafkajs', 'ioredis', 'pg', 'pg-logical-replication']);

// Names that mark test helpers, fixtures and sample data, which belong in a package's test/
// folder or in @realtime/testing, not among the production sources.
const TEST_SUPPORT_NAME = /(^|\/)(test-[^/]*|[^/]*fixtures?[^/]*|testing|samples?\.ts|fakes?)(\/|$|\.ts$)/;

/** The file a relative specifier names, relative to the repository root. */
function target(ref: ImportRef): string {
  return join(dirname(ref.file), ref.specifier);
}

function show(ref: ImportRef): string {
  return `${ref.file}:${ref.line}: ${ref.specifier}`;
}

function key(ref: ImportRef): string {
  return `${ref.file} -> ${ref.specifier}`;
}

function isUnder(file: string, dir: string): boolean {
  return !relative(dir, file).startsWith('..');
}

/** The violations, as `file:line: specifier`. */
function judge(found: ImportRef[]): string[] {
  return found.map(show);
}

const coreViolations: ImportRef[] = [];
for (const { dir } of services) {
  const core = `${dir}/src/core`;
  for (const ref of tsFiles(core).flatMap(importsOf)) {
    if (isBare(ref.specifier)) {
      if (CLIENTS.has(packageOf(ref.specifier))) coreViolations.push(ref);
      continue;
    }
    const to = target(ref);
    if (isUnder(to, `${dir}/src/adapters`) || isUnder(to, `${dir}/src/transport`)) coreViolations.push(ref);
  }
}

const climbViolations: ImportRef[] = [];
for (const { dir } of all) {
  for (const ref of tsFiles(dir).flatMap(importsOf)) {
    if (isBare(ref.specifier) || ref.specifier.startsWith('node:')) continue;
    if (!isUnder(target(ref), dir)) climbViolations.push(ref);
  }
}

describe('import direction', () => {
  it('a service core imports neither its adapters nor its transport nor their clients', () => {
    expect(judge(coreViolations)).toEqual([]);
  });

  it('libs never import services', () => {
    const found: string[] = [];
    for (const { dir } of all.filter((w) => w.dir.startsWith('libs/'))) {
      for (const ref of tsFiles(dir).flatMap(importsOf)) {
        const intoService = isBare(ref.specifier)
          ? serviceNames.has(packageOf(ref.specifier))
          : !ref.specifier.startsWith('node:') && isUnder(target(ref), 'services');
        if (intoService) found.push(show(ref));
      }
    }
    expect(found).toEqual([]);
  });

  it('services never import each other', () => {
    const found: string[] = [];
    for (const { dir, manifest } of services) {
      for (const ref of tsFiles(dir).flatMap(importsOf)) {
        if (!isBare(ref.specifier)) continue;
        const pkg = packageOf(ref.specifier);
        if (serviceNames.has(pkg) && pkg !== manifest.name) found.push(show(ref));
      }
    }
    expect(found).toEqual([]);
  });

  it('production code imports no test code', () => {
    const found: string[] = [];
    for (const { dir } of all.filter((w) => w.dir !== 'libs/testing' && w.dir !== 'test-e2e')) {
      for (const ref of tsFiles(`${dir}/src`).flatMap(importsOf)) {
        if (ref.file.endsWith('.test.ts')) continue;
        const intoTests = isBare(ref.specifier)
          ? packageOf(ref.specifier) === '@realtime/testing'
          : !ref.specifier.startsWith('node:') && isUnder(target(ref), `${dir}/test`);
        if (intoTests) found.push(show(ref));
      }
    }
    expect(found).toEqual([]);
  });

  it('test helpers, fixtures and samples live outside src/', () => {
    const tracked = execFileSync('git', ['ls-files', 'libs/*/src/*', 'services/*/src/*'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f && !f.startsWith('libs/testing/') && !f.endsWith('.test.ts'));
    expect(tracked.filter((f) => TEST_SUPPORT_NAME.test(f))).toEqual([]);
  });

  it('no relative import climbs out of its package', () => {
    expect(judge(climbViolations)).toEqual([]);
  });
});
