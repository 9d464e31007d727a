/**
 * The two Redis scripts of ingest on the stack's Redis: the token bucket gives the answers of its TypeScript
 * twin, and of many simultaneous claims of one Idempotency-Key exactly one wins.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { loadConfig } from '../../config/index.js';
import { RedisIdempotencyStore } from './idempotency.js';
import { bucketTtlMs, RedisTokenBuckets, takeTokens, type BucketState } from './token-bucket.js';

const redis = new Redis(loadConfig().redis.url);
const prefix = `it:ingest:${randomUUID().slice(0, 8)}:`;

after(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

test('the Lua bucket and takeTokens agree step by step, refusals and fractions included', async () => {
  const buckets = new RedisTokenBuckets(redis, `${prefix}bucket:`);
  const limits = { ratePerSecond: 7, burst: 12 };
  let state: BucketState | undefined;
  let t = 1_000_000;
  // Costs and gaps chosen to drain the bucket, refuse, refill partly and overflow the burst.
  const steps: Array<[gapMs: number, cost: number]> = [
    [0, 5],
    [0, 5],
    [0, 5],
    [100, 1],
    [143, 1],
    [500, 3],
    [0, 40],
    [10_000, 12],
    [1, 1],
    [999, 2],
  ];
  for (const [index, [gap, cost]] of steps.entries()) {
    t += gap;
    const expected = takeTokens(state, t, limits, cost);
    state = expected.state;
    const actual = await buckets.take('org', cost, limits, t);
    assert.equal(actual.allowed, expected.result.allowed, `step ${index}: allowed`);
    assert.equal(actual.retryAfterMs, expected.result.retryAfterMs, `step ${index}: retry after`);
    assert.ok(Math.abs(actual.tokens - expected.result.tokens) < 1e-9, `step ${index}: ${actual.tokens} tokens`);
  }
  const ttl = await redis.pttl(`${prefix}bucket:org`);
  assert.ok(ttl > 0 && ttl <= bucketTtlMs(limits), `bucket expires (${ttl} ms)`);
});

test("with the server's clock, a burst passes and the next request is refused", async () => {
  const buckets = new RedisTokenBuckets(redis, `${prefix}clock:`);
  const limits = { ratePerSecond: 1, burst: 3 };
  const results = await Promise.all(Array.from({ length: 5 }, () => buckets.take('org', 1, limits)));
  assert.equal(results.filter((r) => r.allowed).length, 3, 'exactly the burst, however the calls interleave');
  for (const refused of results.filter((r) => !r.allowed))
    assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 1000);
});

test('idempotency: one owner among simultaneous claims; the others replay its response or hear it is in progress', async () => {
  const store = new RedisIdempotencyStore(redis, { ttlSeconds: 60, pendingTtlMs: 5000, waitMs: 0 }, `${prefix}idem:`);
  const claims = await Promise.all(Array.from({ length: 20 }, () => store.claim('org', 'key-1', 'fp')));
  const owners = claims.filter((c) => c.kind === 'owner');
  assert.equal(owners.length, 1);
  assert.ok(claims.filter((c) => c.kind !== 'owner').every((c) => c.kind === 'in-progress'));

  const waiting = new RedisIdempotencyStore(
    redis,
    { ttlSeconds: 60, pendingTtlMs: 5000, waitMs: 2000 },
    `${prefix}idem:`,
  );
  const replay = waiting.claim('org', 'key-1', 'fp');
  const token = (owners[0] as { token: string }).token;
  await store.complete('org', 'key-1', token, 'fp', { status: 202, body: { eventId: 'e-1' } });
  assert.deepEqual(await replay, { kind: 'replay', response: { status: 202, body: { eventId: 'e-1' } } });
  assert.deepEqual(await store.claim('org', 'key-1', 'other'), { kind: 'mismatch' });
  const ttl = await redis.ttl(`${prefix}idem:org:${createHash('sha256').update('key-1').digest('hex')}`);
  assert.ok(ttl > 50 && ttl <= 60, `kept for the TTL (${ttl} s)`);
});

test('idempotency: only the owner can complete or release; a released key can be claimed again', async () => {
  const store = new RedisIdempotencyStore(redis, { ttlSeconds: 60, pendingTtlMs: 5000, waitMs: 0 }, `${prefix}idem:`);
  const first = await store.claim('org', 'key-2', 'fp');
  assert.equal(first.kind, 'owner');
  await store.release('org', 'key-2', 'not-the-token');
  await store.complete('org', 'key-2', 'not-the-token', 'fp', { status: 202, body: {} });
  assert.equal((await store.claim('org', 'key-2', 'fp')).kind, 'in-progress', 'strangers changed nothing');
  await store.release('org', 'key-2', (first as { token: string }).token);
  assert.equal((await store.claim('org', 'key-2', 'fp')).kind, 'owner');
});

test('idempotency: a pending marker of a dead owner expires on its own', async () => {
  const store = new RedisIdempotencyStore(
    redis,
    { ttlSeconds: 60, pendingTtlMs: 200, waitMs: 1000, pollMs: 20 },
    `${prefix}idem:`,
  );
  assert.equal((await store.claim('org', 'key-3', 'fp')).kind, 'owner');
  const started = Date.now();
  assert.equal((await store.claim('org', 'key-3', 'fp')).kind, 'owner', 'taken over after the marker expired');
  assert.ok(Date.now() - started < 1000);
});
