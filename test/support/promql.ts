import { parser } from '@prometheus-io/lezer-promql';

/**
 * The metric names a PromQL expression reads, from Prometheus' own grammar (the parser its web UI
 * uses): every vector selector's name, written before the braces or as `{__name__="…"}`. Grafana's
 * variables are replaced by values of their kind first ($__rate_interval by a duration, $job by a
 * label value), so the expression parses as Prometheus would see it. Throws on a syntax error.
 */
export function metricNames(expression: string): string[] {
  const promql = withGrafanaVariables(expression);
  const tree = parser.parse(promql);
  const names = new Set<string>();
  const cursor = tree.cursor();
  do {
    if (cursor.type.isError) throw new Error(`PromQL syntax error at ${cursor.from} in: ${promql}`);
    if (cursor.name !== 'VectorSelector') continue;
    const node = cursor.node;
    const identifier = node.getChild('Identifier');
    if (identifier) {
      names.add(promql.slice(identifier.from, identifier.to));
      continue;
    }
    for (const matcher of node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
      const label = matcher.getChild('LabelName');
      const value = matcher.getChild('StringLiteral');
      if (label && value && promql.slice(label.from, label.to) === '__name__') names.add(JSON.parse(promql.slice(value.from, value.to).replace(/^'|'$/g, '"')));
    }
  } while (cursor.next());
  return [...names].sort();
}

/** Grafana's built-in interval variables and a dashboard's own ($job, ${instance}). */
export function withGrafanaVariables(expression: string): string {
  return expression
    .replace(/\$(__rate_interval|__interval|__range)\b|\$\{(__rate_interval|__interval|__range)\}/g, '5m')
    .replace(/\$\{?__range_s\}?/g, '300')
    .replace(/\$\{(\w+)(:\w+)?\}|\$(\w+)/g, 'grafana_variable');
}

/** `label_values(metric, label)` or `label_values(label)`, a template variable's query: its metric. */
export function labelValuesMetric(query: string): string[] {
  const match = /^\s*label_values\(\s*(.*?)\s*,\s*\w+\s*\)\s*$/.exec(query);
  if (!match) return [];
  return metricNames(match[1]!);
}
