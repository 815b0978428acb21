// Cost of postgres_changes filter matching per change (core/postgres-changes/matcher.ts), in one
// run: parsing the change's record (which the fan-out does once per change anyway) as the
// baseline, a plain `eq` filter, then `like`/`match` patterns built to backtrack, on values of
// growing length. With RE2 their time grows linearly with the value, a constant multiple of the
// baseline, until PATTERN_MAX_WORK (instructions × characters) where a value is no longer read
// (shown as ~0). The old engine (JavaScript RegExp) is shown on tiny values for contrast, since
// its time doubles with each added character. No infrastructure needed.
//   npm run bench:filters -- [longest value in chars = 100000]
import { print } from '@realtime/log';
import { matches } from '../../services/gateway/src/core/postgres-changes/matcher.ts';
import { parsedFilters, perCall } from './measure.ts';

const longest = Number(process.argv[2] ?? 100_000);
const columns = [{ name: 'v', type: 'text' }];


const filters = parsedFilters;

const cases: Array<[string, string]> = [
  ['eq', 'v=eq.x'],
  ['like %!', 'v=like.%!'],
  ['like (%a)x40 b', `v=like.${'%a'.repeat(40)}b`],
  ['imatch ^(a+)+$', 'v=imatch.^(a+)+$'],
  ['match ^(a|aa)+$', 'v=match.^(a|aa)+$'],
  // Defeats RE2's lazy DFA (its states grow as 2^12) on a/b text; 'a' x n keeps it cheap, so the
  // random a/b value below is the worst case. Past PATTERN_MAX_WORK the value is not read at all.
  ['imatch DFA-hostile', 'v=imatch.(a|b)*a(a|b){12}$'],
];
const lengths = [1_000, 10_000, longest].filter((n, i, all) => all.indexOf(n) === i);

print(`postgres_changes filter matching, value = 'a' x n + '!' (µs per change and subscriber binding)`);
print(`  ${'filter'.padEnd(24)}${lengths.map((n) => `n=${n}`.padStart(12)).join('')}${'x baseline'.padStart(12)}`);
const show = (name: string, row: number[], baseline: number[]) =>
  print(`  ${name.padEnd(24)}${row.map((us) => us.toFixed(1).padStart(12)).join('')}${(row.at(-1)! / baseline.at(-1)!).toFixed(1).padStart(12)}`);
const baseline = lengths.map((n) => {
  const json = JSON.stringify({ id: 1, v: `${'a'.repeat(n)}!` });
  return perCall(() => JSON.parse(json));
});
show('baseline: parse record', baseline, baseline);
for (const [name, text] of cases) {
  const compiled = filters(text);
  show(name, lengths.map((n) => {
    const record = { v: `${'a'.repeat(n)}!` };
    return perCall(() => matches(compiled, record, columns));
  }), baseline);
}

const mixed = Array.from({ length: longest }, (_, i) => ((i * 2654435761) >>> 7) & 1 ? 'a' : 'b').join('');
const hostile = filters('v=imatch.(a|b)*a(a|b){12}$');
show('  same, random a/b value', lengths.map((n) => {
  const record = { v: mixed.slice(0, n) };
  return perCall(() => matches(hostile, record, columns));
}), baseline);

// The engine the matcher used before: exponential in n, so only tiny values are measured.
print(`JavaScript RegExp (backtracking) ^(a+)+$ on 'a' x n + '!', for contrast`);
const naive = /^(a+)+$/;
naive.test('aaaa!'); // compile and warm up before timing
for (const n of [16, 18, 20, 22, 24]) {
  const value = `${'a'.repeat(n)}!`;
  const start = performance.now();
  naive.test(value);
  print(`  n=${n}`.padEnd(10) + `${(performance.now() - start).toFixed(1)} ms`);
}
