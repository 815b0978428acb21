// The suite's table: one row per figure with its verdict, the machine stated above it, the same
// in Markdown and JSON on disk, and scenarios that did not finish listed rather than dropped.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markdownTable, textTable, writeReport, type Report } from './report.ts';

const report: Report = {
  started: '2026-11-30T06:00:00.000Z', seconds: 42, short: true,
  machine: { cores: 2, cpuModel: 'AMD EPYC', node: 'v24.0.0', kafka: '4.1.1', load: 3.5, pinning: 'server on core 0' },
  rows: [
    { id: 'P1', scenario: 'fan-out', baseline: '10.00 µs', ours: '7.00 µs', ratio: 0.7, goal: '≤ 0.75×', pass: true },
    { id: 'P5', scenario: 'commit | client', baseline: '—', ours: '12 ms', ratio: null, goal: 'p50 ≤ 10 ms', pass: false },
  ],
  errors: [{ scenario: 'P4', error: 'pg_recvlogical not found' }],
};

describe('bench report', () => {
  it('prints the machine, one aligned row per figure with its verdict, and what did not finish', () => {
    const lines = textTable(report).split('\n');
    expect(lines[0]).toContain('2 cores (AMD EPYC), Node v24.0.0, Kafka 4.1.1');
    expect(lines[1]).toMatch(/^scenario\s+baseline\s+ours\s+ratio\s+goal\s+pass\/fail$/);
    expect(lines[3]).toMatch(/^P1 fan-out\s+10\.00 µs\s+7\.00 µs\s+0\.70×\s+≤ 0\.75×\s+pass$/);
    expect(lines[4]).toMatch(/^P5 commit \| client\s+—\s+12 ms\s+—\s+p50 ≤ 10 ms\s+FAIL$/);
    expect(lines[3]!.indexOf('10.00')).toBe(lines[1]!.indexOf('baseline'));
    expect(lines[5]).toBe('  P4 did not finish: pg_recvlogical not found');
  });

  it('writes the same table as Markdown (pipes escaped) and the whole report as JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
    const [json, md] = writeReport(report, dir);
    expect(JSON.parse(readFileSync(json!, 'utf8'))).toEqual(report);
    expect(readFileSync(md!, 'utf8')).toBe(markdownTable(report));
    expect(markdownTable(report)).toContain('| P5 commit \\| client | — | 12 ms | — | p50 ≤ 10 ms | FAIL |');
    expect(markdownTable(report)).toContain('(short mode)');
  });
});
