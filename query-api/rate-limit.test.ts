import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appliedLimits, effectiveLimits, validateLimitChange, LimitSettingsError } from './rate-limit-settings.js';
import { bucketKey, decide, LocalRequestLimiter, takeRequest, type AppliedLimit } from './rate-limit.js';

const limit = (scope: AppliedLimit['scope'], perMinute: number): AppliedLimit => ({
  scope,
  key: bucketKey(scope, 'org', 'u'),
  perMinute,
});

test('unused buckets are full; a request takes one token from each, or none when any is empty', () => {
  const first = takeRequest([undefined, undefined], [3, 60], 0);
  assert.deepEqual(first, { allowed: true, tokens: [2, 59] });
  const empty = takeRequest(
    [
      { tokens: 0.5, atMs: 0 },
      { tokens: 10, atMs: 0 },
    ],
    [3, 60],
    0,
  );
  assert.deepEqual(empty, { allowed: false, tokens: [0.5, 10] }, 'the full bucket keeps its tokens');
});

test('buckets refill at perMinute per minute, never past perMinute, and a clock going back mints nothing', () => {
  assert.deepEqual(takeRequest([{ tokens: 0, atMs: 0 }], [60], 1000).tokens, [0], 'one token back after 1 s, taken');
  assert.deepEqual(takeRequest([{ tokens: 0, atMs: 0 }], [60], 3_600_000).tokens, [59]);
  assert.deepEqual(takeRequest([{ tokens: 0, atMs: 5000 }], [60], 0), { allowed: false, tokens: [0] });
});

test('the headers show the bucket closest to empty; a refusal names the bucket and when to retry', () => {
  const limits = [limit('org', 1200), limit('user', 600), limit('user-endpoint', 6)];
  const allowed = decide(limits, [900, 550, 2.5], true, false);
  assert.deepEqual(allowed, { allowed: true, limit: 6, remaining: 2, resetSeconds: 35, local: false });
  const refused = decide(limits, [900, 550, 0.5], false, false);
  assert.deepEqual(refused.refused, { scope: 'user-endpoint', perMinute: 6, retryAfterSeconds: 5 });
  assert.equal(refused.remaining, 0);
});

test('the local limiter keeps buckets by key', async () => {
  let now = 0;
  const local = new LocalRequestLimiter(() => now);
  const a = [{ scope: 'user' as const, key: 'a', perMinute: 2 }];
  const b = [{ scope: 'user' as const, key: 'b', perMinute: 2 }];
  const outcomes = [];
  for (const limits of [a, a, a, b]) outcomes.push((await local.take(limits)).allowed);
  assert.deepEqual(outcomes, [true, true, false, true]);
  now += 30_000;
  assert.equal((await local.take(a)).allowed, true, 'a token is back after half a minute');
});

test('bucket keys escape their parts, so no org, user or endpoint can run into another', () => {
  assert.notEqual(bucketKey('user', 'a:b', 'c'), bucketKey('user', 'a', 'b:c'));
  assert.equal(
    bucketKey('user-endpoint', 'acme', 'ann', '/v1/search'),
    'tf:query:limit:user-endpoint:acme:ann:%2Fv1%2Fsearch',
  );
});

test('the limits of a request: org and user always, an endpoint limit where one is set; overrides win', () => {
  const defaults = { org: 100, user: 50, orgEndpoints: {}, userEndpoints: { '/v1/search': 10 } };
  const limits = effectiveLimits(defaults, { user: 20, orgEndpoints: { '/v1/queues': 30 }, userEndpoints: {} });
  assert.deepEqual(limits, {
    org: 100,
    user: 20,
    orgEndpoints: { '/v1/queues': 30 },
    userEndpoints: { '/v1/search': 10 },
  });
  const scopes = (endpoint: string) =>
    appliedLimits(limits, 'acme', 'ann', endpoint).map((l) => `${l.scope}=${l.perMinute}`);
  assert.deepEqual(scopes('/v1/tickets'), ['org=100', 'user=20']);
  assert.deepEqual(scopes('/v1/search'), ['org=100', 'user=20', 'user-endpoint=10']);
  assert.deepEqual(scopes('/v1/queues'), ['org=100', 'user=20', 'org-endpoint=30']);
});

test('a limit change is refused naming each field and rule', () => {
  const endpoints = ['/v1/search', '/v1/tickets'];
  assert.throws(
    () => validateLimitChange({ org: 0, user: 1.5, userEndpoints: { '/v1/nope': 5, '/v1/search': -1 } }, endpoints),
    (error: unknown) =>
      error instanceof LimitSettingsError &&
      error.problems.map((p) => p.field).join('|') === 'org|user|userEndpoints /v1/nope|userEndpoints /v1/search' &&
      /is not an endpoint of the query API \(\/v1\/search, \/v1\/tickets\)/.test(error.message),
  );
  assert.doesNotThrow(() => validateLimitChange({ org: null, userEndpoints: { '/v1/search': 30 } }, endpoints));
});
