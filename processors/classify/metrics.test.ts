import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classificationMetrics, oosMetrics } from './metrics.js';

test('macro-F1 averages per-class F1 without weighting by class size', () => {
  const m = classificationMetrics(['a', 'a', 'a', 'b'], ['a', 'a', 'b', 'b']);
  assert.equal(m.accuracy, 0.75);
  // F1(a) = 2*2/(3+2) = 0.8, F1(b) = 2*1/(1+2) = 2/3.
  assert.ok(Math.abs(m.macroF1 - (0.8 + 2 / 3) / 2) < 1e-12);
});

test('out-of-scope recall and false-OOS rate count confidences strictly below the threshold', () => {
  assert.deepEqual(oosMetrics([0.9, 0.2, 0.3], [0.1, 0.3, 0.05, 0.6], 0.3), {
    threshold: 0.3,
    oosRecall: 0.5,
    inScopeFalseOosRate: 1 / 3,
  });
});
