// The alert rules pass Prometheus' own checker and its rule unit tests (observability/prometheus/
// alerts.test.yml), run with promtool from Debian's prometheus package (scripts/bootstrap.sh installs it).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertsFile, observabilityDir, readAlertRules } from '@realtime/testing/observability';

function promtool(...args: string[]): string {
  try {
    return execFileSync('promtool', args, { cwd: join(observabilityDir, 'prometheus'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool not found: run scripts/bootstrap.sh (it installs Debian\'s prometheus package)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

describe('prometheus alert rules', () => {
  it('pass promtool check rules', () => {
    expect(promtool('check', 'rules', alertsFile)).toContain(`SUCCESS: ${readAlertRules().length} rules found`);
  });

  it('pass the rule unit tests in alerts.test.yml', () => {
    expect(promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
  });

  it('name each alert once and give each a severity and summary', () => {
    const rules = readAlertRules() as Array<{ alert: string; labels?: { severity?: string }; annotations?: { summary?: string } }>;
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const r of rules) {
      expect(['critical', 'warning', 'info'], r.alert).toContain(r.labels?.severity);
      expect(r.annotations?.summary, r.alert).toBeTruthy();
    }
  });
});
