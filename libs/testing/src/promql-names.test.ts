// promqlMetricNames finds the metrics of an expression and nothing else: not functions, aggregations,
// label names, label values, Grafana variables, keywords, numbers or durations.
import { describe, expect, it } from 'vitest';
import { grafanaQueryMetricNames, promqlMetricNames } from './promql-names.ts';

describe('promqlMetricNames', () => {
  it('keeps metric names, drops calls, label lists, matchers, ranges and numbers', () => {
    expect(promqlMetricNames('histogram_quantile(0.99, sum by (le, tenant) (rate(realtime_x_seconds_bucket{tenant="$tenant", service=~"a|b"}[5m]))) > 1e9'))
      .toEqual(['realtime_x_seconds_bucket']);
    expect(promqlMetricNames('max by (group) (lag{topic=~".*presence\\\\.commands"}) > 0 and sum(rate(cmds_total[5m])) == 0 or up == 0'))
      .toEqual(['cmds_total', 'lag', 'up']);
    expect(promqlMetricNames('sum(a) without (instance) / on (job) group_left (x) b offset 5m + c:recorded [10m:1m]'))
      .toEqual(['a', 'b', 'c:recorded']);
    expect(promqlMetricNames('sum (rate(x_total [5m])) by (service) > bool 256 * 1024')).toEqual(['x_total']);
  });

  it('reads only the metric of a Grafana label_values query', () => {
    expect(grafanaQueryMetricNames('label_values(realtime_tenant_events_total, tenant)')).toEqual(['realtime_tenant_events_total']);
    expect(grafanaQueryMetricNames('label_values(realtime_a{service="gateway"}, tenant)')).toEqual(['realtime_a']);
    expect(grafanaQueryMetricNames('query_result(sum by (tenant) (realtime_b))')).toEqual(['realtime_b']);
  });
});
