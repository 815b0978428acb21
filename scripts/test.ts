// The README's test command: type-check, then every tier (unit, int, e2e) with vitest, then one
// plain closing line `N passed, N failed, N skipped` that CI reads. Exit code is vitest's (or 1 when
// the type-check fails).
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { print } from '@realtime/log';

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: Array<{ status: string; assertionResults: Array<{ status: string }> }>;
}

const root = join(import.meta.dirname, '..');
const started = Date.now();
const extra = process.argv.slice(2);
const run = (args: string[]) => spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

print('== type-check');
const tsc = run([join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
if (tsc !== 0) print('type-check failed');

mkdirSync(join(root, '.cache'), { recursive: true });
const report = join(root, '.cache/vitest-report.json');
print('== tests');
const vitest = run([join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra]);

let passed = 0, failed = 0, skipped = 0;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8')) as VitestReport;
  ({ numPassedTests: passed, numFailedTests: failed } = r);
  skipped = r.numPendingTests + r.numTodoTests;
  // A file whose beforeAll threw has no failed test (its tests are reported skipped): count the
  // file itself as a failure, or the closing line would say "0 failed" for a red run.
  failed += r.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed')).length;
}
if (tsc !== 0) failed += 1;
print(`test run took ${((Date.now() - started) / 1000).toFixed(0)} s`);
print(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(vitest !== 0 || tsc !== 0 ? 1 : 0);
