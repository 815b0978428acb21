// Cost of bytea values in postgres_changes since they go out as hex without \x (docs/PROTOCOL.md §6), in one
// run: ingest-cdc's columnJson of a bytea value against the same text as a text column (the
// baseline: a JSON string of it), and the gateway's eq filter on a bytea column (prefix stripped,
// lower-cased, once per change) against an eq filter on a text column of the same value. Values
// of growing size; both should stay a small constant multiple of their baseline. No infrastructure.
//   npm run bench:bytea -- [largest value in bytes = 1000000]
import { print } from '@realtime/log';
import { columnJson } from '../../services/ingest-cdc/src/core/to-jsonb.ts';
import { matches } from '../../services/gateway/src/core/postgres-changes/matcher.ts';
import { parsedFilters, perCall } from './measure.ts';

const largest = Number(process.argv[2] ?? 1_000_000);
const sizes = [1_000, 100_000, largest].filter((n, i, all) => all.indexOf(n) === i);


const filter = parsedFilters;

const hex = (bytes: number) => 'ab'.repeat(bytes);
const row = (name: string, values: number[], baseline?: number[]) =>
  print(`  ${name.padEnd(34)}${values.map((us) => us.toFixed(1).padStart(12)).join('')}${baseline ? (values.at(-1)! / baseline.at(-1)!).toFixed(1).padStart(12) : ''.padStart(12)}`);

print('bytea values in postgres_changes (µs per value)');
print(`  ${'case'.padEnd(34)}${sizes.map((n) => `${n} B`.padStart(12)).join('')}${'x baseline'.padStart(12)}`);
const textJson = sizes.map((n) => { const v = `\\x${hex(n)}`; return perCall(() => columnJson(v, 25, 'text')); });
row('baseline: columnJson, text column', textJson);
row('columnJson, bytea column', sizes.map((n) => { const v = `\\x${hex(n)}`; return perCall(() => columnJson(v, 17, 'bytea')); }), textJson);

// A fresh record object per call: the matcher caches casts per record, and a change is new each time.
const textEq = sizes.map((n) => {
  const f = filter('v=eq.ab'); // filter values are at most 1024 characters: the record's side is what grows
  const columns = [{ name: 'v', type: 'text' }];
  const value = hex(n);
  return perCall(() => matches(f, { v: value }, columns));
});
row('baseline: eq filter, text column', textEq);
row('eq filter, bytea column', sizes.map((n) => {
  const f = filter('v=eq.\\xab');
  const columns = [{ name: 'v', type: 'bytea' }];
  const value = hex(n);
  return perCall(() => matches(f, { v: value }, columns));
}), textEq);
