// The metric names a PromQL expression reads, for checking dashboards and alert rules against what
// the services export. Not a full parser: it removes what cannot be a metric name (strings, label
// matchers, `by (…)` and friends, ranges, numbers) and keeps identifiers that are not a function or
// aggregation call (a name followed by `(`) and not a keyword.
const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan', 'atan2']);

export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // strings (matcher values, $variables)
    .replace(/\{[^}]*\}/g, ' ') // label matchers: their label names are not metrics
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries: [5m], [1h:1m]
    .replace(/(?<![\w:.])\d[\w.]*/g, ' '); // numbers and durations: 0.99, 1e9, 5m
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w:$])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    if (m[2] || KEYWORDS.has(m[1]!.toLowerCase())) continue; // a call: function or aggregation
    names.add(m[1]!);
  }
  return [...names].sort();
}

/**
 * A Grafana variable's query: `label_values(metric, label)` reads `metric` only (the second argument
 * is a label name); any other query is PromQL.
 */
export function grafanaQueryMetricNames(query: string): string[] {
  const labelValues = /^\s*label_values\s*\(\s*([^,]+),/.exec(query);
  return promqlMetricNames(labelValues ? labelValues[1]! : query);
}
