// The gateway's shape as a test: its source files import each other without circles, and the
// longest chain of imports stays short, so each file can be read knowing only the few below it.
// Type imports count: a handler that imports `type Gateway` depends on all of gateway.ts.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { circles, depth, folderGraph, importGraph, longestChain } from '@realtime/testing/import-graph';

const SRC = fileURLToPath(new URL('.', import.meta.url));
/**
 * Floors of imports. Before issue 10 the gateway had a 14-file and a 4-file circle and, with each
 * circle counted as one file, 11 floors. Six now: the handler table is built in app.ts (so the
 * gateway does not sit above the handlers), the transports and the admission, rate and policy
 * steps take narrow ports (context.ts, gateway-ports.ts) instead of the Gateway class, and
 * presence and Postgres Changes are seen through ports, not their classes. Never raise it.
 */
const MAX_DEPTH = 6;

describe('gateway import graph', () => {
  const graph = importGraph(SRC);

  it('sees the gateway sources and their imports', () => {
    expect(graph.get('app.ts')).toContain('core/handlers/index.ts');
    expect(graph.get('core/gateway.ts')).not.toContain('core/handlers/index.ts');
    expect(graph.get('core/handlers/join.ts')).toContain('core/context/context.ts');
  });

  it('has no import circles', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('has no circles between the feature folders of the core', () => {
    // core/ itself holds gateway.ts, which assembles the features; base/ the leaf values they pass around.
    const folders = folderGraph(graph, 'core/');
    expect(folders.get('core')).toContain('core/channels');
    expect(circles(folders)).toEqual([]);
  });

  it(`has at most ${MAX_DEPTH} floors of imports`, () => {
    expect(depth(graph), longestChain(graph).join(' > ')).toBeLessThanOrEqual(MAX_DEPTH);
  });
});

describe('import graph helpers', () => {
  const graph = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts']],
    ['c.ts', ['a.ts']],
    ['d.ts', ['a.ts']],
  ]);

  it('finds a circle', () => {
    expect(circles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('finds folders that import each other', () => {
    const files = new Map([['core/a/x.ts', ['core/b/y.ts']], ['core/b/y.ts', ['core/a/z.ts']], ['core/a/z.ts', []], ['core/c/w.ts', ['core/a/z.ts']]]);
    expect(circles(folderGraph(files, 'core/'))).toEqual([['core/a', 'core/b']]);
  });

  it('counts floors along the longest chain', () => {
    expect(depth(new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', []], ['d.ts', ['c.ts']]]))).toBe(2);
  });
});
