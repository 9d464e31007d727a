import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EmbeddingBudget } from './embedding-budget.js';

test('a full bucket embeds a burst until its model time is spent, then refills at the share of a core', () => {
  let now = 0;
  const budget = new EmbeddingBudget({ share: 0.5, capacityMs: 200, initialMsPerQuestion: 10, now: () => now });
  assert.equal(budget.questions(5), 5, 'a small batch is embedded in full');
  assert.equal(budget.questions(100), 20, 'a burst: as many as 200 ms of model time buys');
  budget.spent(20, 200);
  assert.equal(budget.questions(100), 0, 'the bucket is empty');
  now = 100;
  assert.equal(budget.questions(100), 5, '100 ms later, at half a core: 50 ms, five questions');
  now = 10_000;
  assert.equal(budget.questions(100), 20, 'never more than the capacity');
});

test('the cost per question follows what the model took', () => {
  let now = 0;
  const budget = new EmbeddingBudget({ share: 1, capacityMs: 1000, initialMsPerQuestion: 10, now: () => now });
  for (let i = 0; i < 30; i++) {
    budget.spent(10, 400); // 40 ms a question
    now += 400;
  }
  assert.ok(budget.questions(1000) <= 26 && budget.questions(1000) >= 24, `${budget.questions(1000)} questions`);
});

test('a share of 0 embeds nothing', () => {
  assert.equal(new EmbeddingBudget({ share: 0 }).questions(10), 0);
});
