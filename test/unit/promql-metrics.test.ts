import { describe, expect, it } from 'vitest';
import { labelValuesMetric, metricNames, withGrafanaVariables } from '../support/promql.js';

/** The metric-name extraction the dashboard test relies on (test/support/promql.ts). */
describe('metricNames', () => {
  it('finds every selector: in functions, aggregations, both sides of a binary operation, subqueries', () => {
    expect(metricNames('sum by (le) (rate(hookline_attempt_duration_seconds_bucket{job=~"$job"}[$__rate_interval]))')).toEqual([
      'hookline_attempt_duration_seconds_bucket',
    ]);
    expect(metricNames('sum(rate(a_total[5m])) / ignoring(x) group_left sum(rate(b_total{c="d"}[5m])) or vector(0)')).toEqual(['a_total', 'b_total']);
    expect(metricNames('max_over_time(rate(c_total[1m])[10m:1m]) > bool 3')).toEqual(['c_total']);
    expect(metricNames('histogram_quantile(0.99, sum by (le, route) (rate(h_bucket[5m])))')).toEqual(['h_bucket']);
  });

  it('reads a name given as __name__, and ignores label names, function names and strings', () => {
    expect(metricNames('{__name__="hookline_flow_in_flight", job="x"}')).toEqual(['hookline_flow_in_flight']);
    expect(metricNames('label_replace(up{job="rate"}, "sum", "$1", "instance", "(.*)")')).toEqual(['up']);
    expect(metricNames('count by (status) (hookline_api_requests_total{route="/v1/events", status=~"5.."})')).toEqual(['hookline_api_requests_total']);
  });

  it('refuses what Prometheus would not parse', () => {
    expect(() => metricNames('sum(rate(a_total[5m])')).toThrow(/syntax error/);
    expect(() => metricNames('rate(a_total{job="x"[5m])')).toThrow(/syntax error/);
  });

  it('replaces Grafana variables with values of their kind', () => {
    expect(withGrafanaVariables('rate(x{job=~"$job", instance=~"${instance}"}[$__rate_interval])')).toBe(
      'rate(x{job=~"grafana_variable", instance=~"grafana_variable"}[5m])',
    );
    expect(labelValuesMetric('label_values(process_start_time_seconds, job)')).toEqual(['process_start_time_seconds']);
    expect(labelValuesMetric('label_values(up{job=~"$job"}, instance)')).toEqual(['up']);
  });
});
