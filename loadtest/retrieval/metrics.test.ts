import assert from 'node:assert/strict';
import { test } from 'node:test';
import { titleOf } from './faq-set.js';
import { qualityOf } from './metrics.js';

test('recall@1, recall@5 and MRR at the document level', () => {
  const m = qualityOf([['a', 'b'], ['x', 'y', 'b'], ['1', '2', '3', '4', '5', 'c'], []], ['a', 'b', 'c', 'd']);
  assert.deepEqual(m, { questions: 4, recallAt1: 0.25, recallAt5: 0.5, mrr: (1 + 1 / 3 + 1 / 6) / 4 });
});

test('an article is titled from its intent name', () => {
  assert.equal(titleOf('report_lost_card'), 'Report lost card');
});
