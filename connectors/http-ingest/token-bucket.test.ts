import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bucketTtlMs, effectiveCost, retryAfterSeconds, takeTokens, type BucketState } from './token-bucket.js';

const limits = { ratePerSecond: 10, burst: 20 };

test('an unused bucket is full: the burst passes at once, the next token is refused', () => {
  let state: BucketState | undefined;
  for (let i = 0; i < 20; i++) {
    const step = takeTokens(state, 1000, limits, 1);
    assert.equal(step.result.allowed, true, `token ${i}`);
    state = step.state;
  }
  const refused = takeTokens(state, 1000, limits, 1);
  assert.equal(refused.result.allowed, false);
  assert.equal(refused.result.retryAfterMs, 100, 'one token at 10/s takes 100 ms');
});

test('tokens come back at the rate, never beyond the burst', () => {
  const empty: BucketState = { tokens: 0, updatedAtMs: 0 };
  assert.equal(takeTokens(empty, 250, limits, 1).result.tokens, 1.5, '2.5 tokens back, one taken');
  assert.equal(takeTokens(empty, 60_000, limits, 1).result.tokens, 19, 'refilled to the burst only');
});

test('a refusal takes nothing and says how long until the cost is there', () => {
  const state: BucketState = { tokens: 2, updatedAtMs: 0 };
  const { result, state: after } = takeTokens(state, 0, limits, 5);
  assert.deepEqual(result, { allowed: false, retryAfterMs: 300, tokens: 2 });
  assert.equal(takeTokens(after, 300, limits, 5).result.allowed, true);
});

test('a clock going backwards mints no tokens', () => {
  const state: BucketState = { tokens: 0, updatedAtMs: 5000 };
  assert.equal(takeTokens(state, 1000, limits, 1).result.allowed, false);
});

test('a request larger than the burst costs the whole bucket instead of never passing', () => {
  assert.equal(effectiveCost(500, limits), 20);
  assert.equal(takeTokens(undefined, 0, limits, 500).result.allowed, true);
  const half: BucketState = { tokens: 10, updatedAtMs: 0 };
  assert.equal(takeTokens(half, 0, limits, 500).result.retryAfterMs, 1000);
});

test('Retry-After rounds up to whole seconds, at least one; buckets expire once they would be full', () => {
  assert.equal(retryAfterSeconds(1), 1);
  assert.equal(retryAfterSeconds(1000), 1);
  assert.equal(retryAfterSeconds(1001), 2);
  assert.equal(retryAfterSeconds(0), 1);
  assert.equal(bucketTtlMs(limits), 3000);
});
