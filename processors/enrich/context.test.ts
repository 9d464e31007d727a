import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCustomerContextLookup, NO_SLA_POLICY, type CacheClient, type Queryable } from './context.js';
import { contextKey } from './context/cache.js';

/** PostgreSQL as the lookup sees it: a version probe and a full read, told apart by what they select. */
function fakeDb(rows: { probe: object; fetch: object }) {
  const asked: string[] = [];
  const db = {
    query: async (sql: string) => {
      const kind = sql.includes('c.plan') ? 'fetch' : 'probe';
      asked.push(kind);
      return { rows: [rows[kind]] };
    },
  } as unknown as Queryable;
  return { db, asked };
}

function fakeRedis(failing = false) {
  const store = new Map<string, { value: string; ttl: number }>();
  const redis = {
    get: async (key: string) => {
      if (failing) throw new Error('redis down');
      return store.get(key)?.value ?? null;
    },
    set: async (key: string, value: string, _ex: string, ttl: number) => {
      if (failing) throw new Error('redis down');
      store.set(key, { value, ttl });
      return 'OK';
    },
  } as unknown as CacheClient;
  return { redis, store };
}

const gold = {
  customer_version: '7',
  plan: 'pro-annual',
  tier: 'PREMIUM',
  policy_version: '3',
  policy_id: 'gold',
  name: 'Gold',
  p1: 15,
  p2: 60,
  p3: null,
  p4: null,
};

test('keys hold org, customer and both versions, with the ids encoded so no id can spell another key', () => {
  assert.equal(contextKey('tf:ctx:v1', 'acme', 'c-1', { customer: '7', policy: '3' }), 'tf:ctx:v1:acme:c-1:7.3');
  assert.equal(contextKey('p', 'acme', 'c-1', { customer: null, policy: null }), 'p:acme:c-1:0.0');
  assert.equal(contextKey('p', 'acme', 'a:b.c', { customer: '1', policy: '2' }), 'p:acme:a%3Ab.c:1.2');
  assert.notEqual(
    contextKey('p', 'acme', 'x:1.2', { customer: '3', policy: '4' }),
    contextKey('p', 'acme', 'x', { customer: '1', policy: '2:3.4' }),
  );
});

test('a miss reads the rows and fills the cache with the TTL; a hit costs only the version probe', async () => {
  const { db, asked } = fakeDb({ probe: { customer_version: '7', policy_version: '3' }, fetch: gold });
  const { redis, store } = fakeRedis();
  const lookup = createCustomerContextLookup({ db, redis, ttlSeconds: 120, keyPrefix: 'k' });
  const expected = {
    known: true,
    plan: 'pro-annual',
    tier: 'PREMIUM',
    slaPolicy: { policyId: 'gold', name: 'Gold', firstResponseMinutes: { P1: 15, P2: 60 } },
  };
  assert.deepEqual(await lookup('acme', 'c-1'), expected);
  assert.deepEqual(asked, ['probe', 'fetch']);
  assert.deepEqual([...store.keys()], ['k:acme:c-1:7.3']);
  assert.equal(store.get('k:acme:c-1:7.3')!.ttl, 120);
  assert.deepEqual(await lookup('acme', 'c-1'), expected);
  assert.deepEqual(asked, ['probe', 'fetch', 'probe']);
});

test('a write between probe and read is cached under the versions read, not the ones probed', async () => {
  const { db } = fakeDb({
    probe: { customer_version: '7', policy_version: '3' },
    fetch: { ...gold, customer_version: '9' },
  });
  const { redis, store } = fakeRedis();
  await createCustomerContextLookup({ db, redis, keyPrefix: 'k' })('acme', 'c-1');
  assert.deepEqual([...store.keys()], ['k:acme:c-1:9.3']);
});

test('an unknown customer gets tier UNKNOWN and the org default policy, or no SLA without one', async () => {
  const nobody = { customer_version: null, plan: null, tier: null };
  const withDefault = fakeDb({
    probe: { customer_version: null, policy_version: '2' },
    fetch: { ...gold, ...nobody, policy_id: 'std', name: 'Standard', p1: 60 },
  });
  assert.deepEqual(await createCustomerContextLookup({ db: withDefault.db, redis: fakeRedis().redis })('acme', 'x'), {
    known: false,
    plan: null,
    tier: 'UNKNOWN',
    slaPolicy: { policyId: 'std', name: 'Standard', firstResponseMinutes: { P1: 60, P2: 60 } },
  });
  const none = fakeDb({
    probe: { customer_version: null, policy_version: null },
    fetch: { ...nobody, policy_version: null, policy_id: null, name: null, p1: null, p2: null, p3: null, p4: null },
  });
  const context = await createCustomerContextLookup({ db: none.db, redis: fakeRedis().redis })('acme', 'x');
  assert.deepEqual(context, { known: false, plan: null, tier: 'UNKNOWN', slaPolicy: NO_SLA_POLICY });
});

test('Redis failing is reported and the context comes from PostgreSQL', async () => {
  const { db, asked } = fakeDb({ probe: { customer_version: '7', policy_version: '3' }, fetch: gold });
  const errors: string[] = [];
  const lookup = createCustomerContextLookup({
    db,
    redis: fakeRedis(true).redis,
    onCacheError: (error, key) => errors.push(`${(error as Error).message} ${key}`),
  });
  assert.equal((await lookup('acme', 'c-1')).plan, 'pro-annual');
  assert.deepEqual(asked, ['probe', 'fetch']);
  assert.deepEqual(errors, ['redis down tf:ctx:v1:acme:c-1:7.3', 'redis down tf:ctx:v1:acme:c-1:7.3']);
});

test('a cached value of the wrong shape is a miss, not an answer', async () => {
  const { db, asked } = fakeDb({ probe: { customer_version: '7', policy_version: '3' }, fetch: gold });
  const { redis, store } = fakeRedis();
  store.set('tf:ctx:v1:acme:c-1:7.3', { value: '{"plan":"x"}', ttl: 1 });
  const errors: unknown[] = [];
  const lookup = createCustomerContextLookup({ db, redis, onCacheError: (e) => errors.push(e) });
  assert.equal((await lookup('acme', 'c-1')).plan, 'pro-annual');
  assert.deepEqual(asked, ['probe', 'fetch']);
  assert.equal(errors.length, 1);
});

test('the TTL must be a positive whole number of seconds', () => {
  const { db } = fakeDb({ probe: {}, fetch: {} });
  for (const ttlSeconds of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => createCustomerContextLookup({ db, redis: fakeRedis().redis, ttlSeconds }), RangeError);
  }
});
