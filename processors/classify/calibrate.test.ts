import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calibrateThreshold } from './calibrate.js';

const inScope = (confidences: number[], oosPredictions = 0) => [
  ...confidences.map((confidence) => ({ confidence, predictedOos: false })),
  ...Array.from({ length: oosPredictions }, () => ({ confidence: 0.9, predictedOos: true })),
];

test('the threshold flags at most the target share of held-out in-scope rows', () => {
  const rows = inScope(Array.from({ length: 100 }, (_, i) => (i + 1) / 100));
  const threshold = calibrateThreshold(rows, 0.05);
  assert.equal(threshold, 0.06);
  assert.equal(rows.filter((r) => r.confidence < threshold).length, 5);
});

test('rows the out-of-scope class already takes spend the budget', () => {
  const rows = inScope(
    Array.from({ length: 97 }, (_, i) => (i + 1) / 100),
    3,
  );
  // 5 of 100 may be flagged; the class flags 3, so the threshold may flag 2 more.
  assert.equal(calibrateThreshold(rows, 0.05), 0.03);
});

test('when the class alone spends the budget the threshold is 0', () => {
  assert.equal(calibrateThreshold(inScope([0.5, 0.6, 0.7], 2), 0.05), 0);
});

test('ties at the threshold are not flagged, so the budget holds', () => {
  const rows = inScope([0.2, 0.2, 0.2, 0.2, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]);
  const threshold = calibrateThreshold(rows, 0.2);
  assert.ok(rows.filter((r) => r.confidence < threshold).length <= 2);
});

test('no held-out in-scope rows is an error, not a silent threshold', () => {
  assert.throws(() => calibrateThreshold([], 0.05), /no held-out in-scope rows/);
});
