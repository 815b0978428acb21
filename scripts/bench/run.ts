// The benchmark suite (issue 11): every scenario side by side with its baseline in the same run,
// one table at the end (also .cache/bench/results.json and results.md). Figures are reported
// against their goals, never asserted: the exit code is 1 only when a scenario failed to run.
//   npm run bench [-- [--short] [--profile] [scenario …]]   e.g. npm run bench -- p1 p4, npm run bench -- --short
// --profile: the gateways and the bare servers write V8 CPU profiles (--cpu-prof) into
// .cache/bench/profiles/ when the suite stops them (open them in Chrome DevTools or speedscope);
// profiling costs CPU, so such a run's figures compare only with each other.
import { join } from 'node:path';
import { print } from '@realtime/log';
import { startEnv, type Scenario } from './suite/env.ts';
import { describeMachine } from './suite/machine.ts';
import { textTable, writeReport, type Report } from './suite/report.ts';
import { p1, p1k, p2, p8 } from './scenarios/fanout.ts';
import { p3 } from './scenarios/idle-memory.ts';
import { p4 } from './scenarios/ingest.ts';
import { p5, p6 } from './scenarios/changes.ts';
import { p7 } from './scenarios/presence.ts';

const scenarios: Scenario[] = [p1, p1k, p2, p3, p4, p5, p6, p7, p8];

const args = process.argv.slice(2);
const short = args.includes('--short');
const profileDir = args.includes('--profile') ? join(import.meta.dirname, '../../.cache/bench/profiles') : null;
const names = args.filter((a) => !a.startsWith('--')).map((a) => a.toLowerCase());
const unknown = names.filter((n) => !scenarios.some((s) => s.name === n));
if (unknown.length) {
  print(`unknown scenario ${unknown.join(', ')}; scenarios: ${scenarios.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const selected = names.length ? scenarios.filter((s) => names.includes(s.name)) : scenarios;

const t0 = performance.now();
const progress = (message: string) => print(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${message}`);
const env = await startEnv({ short, profileDir }, progress);
const report: Report = { started: new Date().toISOString(), seconds: 0, short, machine: describeMachine(env.infra.kafka.version), rows: [], errors: [] };
try {
  for (const scenario of selected) {
    progress(`== ${scenario.ids}`);
    try {
      const rows = await scenario.run(env);
      report.rows.push(...rows);
      for (const row of rows) progress(`${row.id} ${row.scenario}: ${row.baseline} → ${row.ours}`);
    } catch (err) {
      report.errors.push({ scenario: scenario.ids, error: err instanceof Error ? err.message : String(err) });
      progress(`${scenario.ids} failed: ${String(err)}`);
    }
  }
} finally {
  await env.stop();
}
report.seconds = (performance.now() - t0) / 1000;
print('');
print(textTable(report));
const files = writeReport(report, join(import.meta.dirname, '../../.cache/bench'));
print(`written: ${files.join(', ')}`);
if (profileDir) print(`CPU profiles: ${profileDir}`);
process.exit(report.errors.length ? 1 : 0);
