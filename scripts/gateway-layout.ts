// Prints the shape of a service's source folder: its folders, its five largest files and the
// longest chain of imports (services/gateway/src/import-graph.test.ts holds the gateway to it).
//   bash scripts/node scripts/gateway-layout.ts [src folder, default services/gateway/src]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { depth, importGraph, longestChain } from '@realtime/testing/import-graph';

const src = resolve(process.argv[2] ?? 'services/gateway/src');
const entries = readdirSync(src, { recursive: true, encoding: 'utf8' });
const folders = entries.filter((e) => statSync(join(src, e)).isDirectory()).sort();
const sources = entries.filter((e) => e.endsWith('.ts') && !e.endsWith('.test.ts'));
const lines = (f: string) => readFileSync(join(src, f), 'utf8').split('\n').length;
const largest = sources.map((f) => [f, lines(f)] as const).sort((a, b) => b[1] - a[1]).slice(0, 5);
const graph = importGraph(src + '/');

console.log(`folders (${folders.length}): ${folders.join(', ')}`);
console.log(`source files: ${sources.length}`);
console.log(`largest: ${largest.map(([f, n]) => `${f} ${n}`).join(', ')}`);
console.log(`import depth: ${depth(graph)}`);
console.log(`longest chain: ${longestChain(graph).join(' > ')}`);
