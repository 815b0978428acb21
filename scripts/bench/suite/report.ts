// The suite's one table: a row per measured figure, printed as text and written as JSON and
// Markdown under .cache/bench/ (gitignored). Goals are reported, never asserted: a missed goal is
// a figure to act on, not a failed run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Machine } from './machine.ts';

export interface Row {
  /** P1…P8 as in the issue, plus a suffix where one scenario yields several figures. */
  id: string;
  scenario: string;
  baseline: string;
  ours: string;
  /** ours / baseline in the direction the goal states, null where there is no baseline. */
  ratio: number | null;
  goal: string;
  /** null: not judged (no figure, or the scenario failed). */
  pass: boolean | null;
}

export interface Report {
  started: string;
  seconds: number;
  short: boolean;
  machine: Machine;
  rows: Row[];
  /** Scenarios that did not run to the end, with why. */
  errors: Array<{ scenario: string; error: string }>;
}

const columns = ['scenario', 'baseline', 'ours', 'ratio', 'goal', 'pass/fail'] as const;

function cells(row: Row): string[] {
  const verdict = row.pass === null ? '—' : row.pass ? 'pass' : 'FAIL';
  return [`${row.id} ${row.scenario}`, row.baseline, row.ours, row.ratio === null ? '—' : `${row.ratio.toFixed(2)}×`, row.goal, verdict];
}

function machineLine(m: Machine): string {
  return `${m.cores} cores (${m.cpuModel}), Node ${m.node}, Kafka ${m.kafka}, load average ${m.load.toFixed(1)} at start; pinning: ${m.pinning}`;
}

export function textTable(report: Report): string {
  const body = report.rows.map(cells);
  const widths = columns.map((c, i) => Math.max(c.length, ...body.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const errors = report.errors.map((e) => `  ${e.scenario} did not finish: ${e.error}`);
  return [machineLine(report.machine), line(columns), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), ...errors].join('\n');
}

export function markdownTable(report: Report): string {
  const row = (r: readonly string[]) => `| ${r.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  const errors = report.errors.map((e) => `- ${e.scenario} did not finish: ${e.error}`);
  return [
    `Benchmark suite${report.short ? ' (short mode)' : ''}, ${report.started}, ${report.seconds.toFixed(0)} s`, '',
    machineLine(report.machine), '',
    row(columns), row(columns.map(() => '---')), ...report.rows.map((r) => row(cells(r))),
    ...(errors.length ? ['', ...errors] : []), '',
  ].join('\n');
}

/** Writes results.json and results.md into `dir`; returns their paths. */
export function writeReport(report: Report, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, 'results.json'), join(dir, 'results.md')];
  writeFileSync(files[0]!, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(files[1]!, markdownTable(report));
  return files;
}
