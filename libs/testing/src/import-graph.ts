// Import graph of a source folder: relative imports of its non-test .ts files (type imports too:
// they tie files together as much as value imports do), their circles (strongly connected
// components) and the longest chain of imports. Used by services/gateway/src/import-graph.test.ts;
// a service's shape is then a test, not an opinion (docs/STYLE.md).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export type ImportGraph = ReadonlyMap<string, readonly string[]>;

const IMPORT = /(?:^|\n)\s*(?:import|export)\s([^'"]*?)from\s+['"](\.[^'"]+)['"]/g;

export interface GraphOptions {
  /** Leave out `import type` / `export type` statements (erased at build time, no load order). */
  valuesOnly?: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(dir, f));
}

/** Graph over files relative to `root`; edges are the relative imports that stay inside it. */
export function importGraph(root: string, options: GraphOptions = {}): ImportGraph {
  const files = sourceFiles(root);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const targets = new Set<string>();
    for (const m of text.matchAll(IMPORT)) {
      if (options.valuesOnly && /^type\s/.test(m[1] ?? '')) continue;
      const target = resolve(dirname(file), m[2] ?? '');
      if (known.has(target)) targets.add(relative(root, target));
    }
    graph.set(relative(root, file), [...targets].sort());
  }
  return graph;
}

/** Circles: strongly connected components with more than one file (Tarjan). */
export function circles(graph: ImportGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** Longest chain of imports, as the files along it, first the importer; circles are not followed. */
export function longestChain(graph: ImportGraph): string[] {
  const memo = new Map<string, string[]>();
  const chainFrom = (v: string, path: Set<string>): string[] => {
    const known = memo.get(v);
    if (known) return known;
    let best: string[] = [];
    for (const w of graph.get(v) ?? []) {
      if (path.has(w)) continue;
      path.add(w);
      const next = chainFrom(w, path);
      path.delete(w);
      if (next.length > best.length) best = next;
    }
    const chain = [v, ...best];
    memo.set(v, chain);
    return chain;
  };
  let longest: string[] = [];
  for (const v of graph.keys()) {
    const chain = chainFrom(v, new Set([v]));
    if (chain.length > longest.length) longest = chain;
  }
  return longest;
}

/** Floors of imports: the imports along the longest chain (a file importing nothing: 0). */
export function depth(graph: ImportGraph): number {
  return Math.max(0, longestChain(graph).length - 1);
}

/**
 * The graph of the folders under `prefix` (e.g. `core/`): a file stands for its folder, and an
 * import between two folders is an edge. `circles` of it are folders that import each other.
 */
export function folderGraph(graph: ImportGraph, prefix: string): ImportGraph {
  const folder = (file: string) => file.slice(0, Math.max(file.lastIndexOf('/'), 0));
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    if (!file.startsWith(prefix)) continue;
    const from = folder(file);
    const edges = folders.get(from) ?? new Set<string>();
    folders.set(from, edges);
    for (const target of targets) if (target.startsWith(prefix) && folder(target) !== from) edges.add(folder(target));
  }
  return new Map([...folders].map(([f, edges]) => [f, [...edges].sort()]));
}
