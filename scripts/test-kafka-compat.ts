// CI's second pass on the previous Kafka line: `npm test` runs everything on the default broker
// (4.x); this reruns libs/kafka's integration tests and one short end-to-end scenario on the broker
// named by KAFKA_VERSION (3.9.x in .ci/run) so both stay supported. Prints its own closing line,
// `kafka-<version>: N passed, N failed, N skipped`; exit code is vitest's.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { print } from '@realtime/log';

const root = join(import.meta.dirname, '..');
const version = process.env.KAFKA_VERSION;
if (!version) {
  print('test-kafka-compat: set KAFKA_VERSION (e.g. 3.9.1)');
  process.exit(2);
}
const files = ['libs/kafka/src', 'test-e2e/broadcast-across-gateways.test.ts'];
mkdirSync(join(root, '.cache'), { recursive: true });
const report = join(root, `.cache/vitest-report-kafka-${version}.json`);
rmSync(report, { force: true });
const started = Date.now();
const status = spawnSync(process.execPath, [
  join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--project', 'int', '--project', 'e2e',
  '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...files,
], { cwd: root, stdio: 'inherit' }).status ?? 1;

let passed = 0, failed = 0, skipped = 0;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8')) as {
    numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number;
    testResults: Array<{ status: string; assertionResults: Array<{ status: string }> }>;
  };
  passed = r.numPassedTests;
  skipped = r.numPendingTests + r.numTodoTests;
  // a file whose setup threw has no failed test of its own: count the file
  failed = r.numFailedTests + r.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed')).length;
} else if (status !== 0) {
  failed = 1;
}
if (passed === 0 && failed === 0) failed = 1; // a pass that ran nothing proves nothing
print(`kafka ${version} pass took ${((Date.now() - started) / 1000).toFixed(0)} s`);
print(`kafka-${version}: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(status !== 0 || failed > 0 ? 1 : 0);
