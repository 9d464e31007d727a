import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnswerCache, answerKey } from './answer-cache.js';

/** A read that counts its calls and settles when told. */
function reads() {
  let calls = 0;
  const pending: Array<{ resolve: (v: string) => void; reject: (e: Error) => void }> = [];
  return {
    read: () => {
      calls++;
      return new Promise<string>((resolve, reject) => pending.push({ resolve, reject }));
    },
    calls: () => calls,
    settle: (value: string | Error) => {
      const next = pending.shift()!;
      if (value instanceof Error) next.reject(value);
      else next.resolve(value);
    },
  };
}

test('questions asked while one is read share that read, and its answer is kept for the TTL only', async () => {
  let clock = 0;
  const cache = new AnswerCache(1000, 100, () => clock);
  const r = reads();
  const first = cache.get('k', r.read);
  const second = cache.get('k', r.read);
  assert.equal(r.calls(), 1);
  r.settle('a');
  assert.deepEqual(await Promise.all([first, second]), ['a', 'a']);
  clock = 999;
  assert.equal(await cache.get('k', r.read), 'a', 'kept');
  assert.equal(r.calls(), 1);
  clock = 1000;
  const third = cache.get('k', r.read);
  assert.equal(r.calls(), 2, 'read again once the TTL is over');
  r.settle('b');
  assert.equal(await third, 'b');
});

test('a failed read is not kept, and other keys are read on their own', async () => {
  const cache = new AnswerCache(1000, 100, () => 0);
  const r = reads();
  const failing = cache.get('k', r.read);
  r.settle(new Error('away'));
  await assert.rejects(failing, /away/);
  const again = cache.get('k', r.read);
  const other = cache.get('other', r.read);
  assert.equal(r.calls(), 3);
  r.settle('a');
  r.settle('b');
  assert.deepEqual(await Promise.all([again, other]), ['a', 'b']);
  await assert.rejects(
    cache.get('sync', () => {
      throw new Error('thrown');
    }),
    /thrown/,
  );
});

test('with a TTL of 0 only reads in flight are shared; the cache never holds more than its bound', async () => {
  const cache = new AnswerCache(0, 3, () => 0);
  const r = reads();
  const a = cache.get('k', r.read);
  const b = cache.get('k', r.read);
  r.settle('a');
  assert.deepEqual(await Promise.all([a, b]), ['a', 'a']);
  assert.equal(cache.size, 0);
  const kept = new AnswerCache(1000, 3, () => 0);
  for (const key of ['1', '2', '3', '4', '5']) await kept.get(key, async () => key);
  assert.equal(kept.size, 3);
});

test('keys tell orgs and parameters apart whatever characters they hold', () => {
  assert.notEqual(answerKey('search', 'a', 'b c'), answerKey('search', 'a b', 'c'));
  assert.notEqual(answerKey('search', 'a","b', 'c'), answerKey('search', 'a', 'b","c'));
  assert.notEqual(answerKey('stats', 'o', 1, 2), answerKey('stats', 'o', 12));
});
