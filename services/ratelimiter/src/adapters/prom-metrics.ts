// The service's counters as Prometheus series (listed in docs/METRICS.md). Every label combination
// is created up front, so each series starts at zero instead of appearing on its first increment.
import { client, type Registry } from '@realtime/metrics';
import { limitNames } from '../core/limits.ts';
import type { ReportOutcome } from '../core/windows.ts';
import type { RatelimiterMetrics } from '../ports.ts';

const outcomes: ReportOutcome[] = ['counted', 'stale', 'superseded', 'invalid'];

export function promRatelimiterMetrics(registry: Registry): RatelimiterMetrics {
  const reports = new client.Counter({
    name: 'realtime_usage_reports_total', help: 'Usage reports consumed from realtime.usage, by outcome (counted, stale, superseded, invalid)',
    labelNames: ['outcome'], registers: [registry],
  });
  const decisions = new client.Counter({
    name: 'realtime_limit_decisions_total', help: 'Limit decisions that changed (throttled or lifted), published to realtime.limits',
    labelNames: ['limit', 'throttled'], registers: [registry],
  });
  const failures = new client.Counter({ name: 'realtime_limit_publish_failures_total', help: 'Sends to realtime.limits that failed and were retried', registers: [registry] });
  for (const outcome of outcomes) reports.inc({ outcome }, 0);
  for (const limit of limitNames) for (const throttled of ['true', 'false']) decisions.inc({ limit, throttled }, 0);
  return {
    report: (outcome) => reports.inc({ outcome }),
    decision: (limit, throttled) => decisions.inc({ limit, throttled: String(throttled) }),
    publishFailed: () => failures.inc(),
  };
}
