import assert from 'node:assert/strict';
import { test } from 'node:test';
import { metricNames, withoutGrafanaVariables } from './promql.js';

test('metricNames finds the selected series, not functions, labels, durations or keywords', () => {
  assert.deepEqual(
    metricNames(
      'histogram_quantile(0.99, sum by (stage, le) (rate(ticketflow_batch_duration_seconds_bucket{stage=~"enrich|x"}[5m])))',
    ),
    ['ticketflow_batch_duration_seconds_bucket'],
  );
  assert.deepEqual(
    metricNames('sum by (group) (deriv(ticketflow_consumer_lag[10m])) > 0 and ticketflow:consumer_lag:sum > 100'),
    ['ticketflow:consumer_lag:sum', 'ticketflow_consumer_lag'],
  );
  assert.deepEqual(metricNames('up{job="ticketflow"} == 0'), ['up']);
  assert.deepEqual(metricNames('a / on(group) group_left(stage) b offset 5m unless bool c'), ['a', 'b', 'c']);
  assert.deepEqual(metricNames('rate(x_total[5m])'), ['x_total']);
});

test('Grafana variables become plain durations', () => {
  assert.equal(withoutGrafanaVariables('rate(x[$__rate_interval])'), 'rate(x[5m])');
});
