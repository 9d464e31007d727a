/**
 * The context lookup against the stack's PostgreSQL and Redis. The project's migrations are applied to a
 * scratch schema, so the tables are exactly what 0003_customer_context.sql creates and nothing outside the
 * schema is touched; Redis keys carry a prefix of their own and are deleted afterwards.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { loadConfig } from '../../config/index.js';
import { createCustomerContextLookup, NO_SLA_POLICY, type Queryable } from './context.js';
import { scratchDatabase, type ScratchDatabase } from './test-support.js';

const config = loadConfig();
const keyPrefix = `tf:ctx:it-${randomUUID().slice(0, 8)}`;
let db: ScratchDatabase;
const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });

/** Counts the statements the lookup sends, which tells a cache hit (one probe) from a miss (probe and read). */
let statements = 0;
const counted = {
  query: (...args: Parameters<pg.Pool['query']>) => {
    statements++;
    return (db.pool.query as (...a: unknown[]) => unknown).apply(db.pool, args);
  },
} as unknown as Queryable;

const TTL_SECONDS = 60;
const lookup = createCustomerContextLookup({ db: counted, redis, ttlSeconds: TTL_SECONDS, keyPrefix });

/** Statements one lookup sent, and what it returned. */
async function measured(orgId: string, customerId: string) {
  const start = statements;
  const context = await lookup(orgId, customerId);
  return { context, statements: statements - start };
}

const sql = (text: string, values: unknown[] = []) => db.pool.query(text, values);

before(async () => {
  await redis.connect();
  db = await scratchDatabase('enrich_context');
  await sql(`INSERT INTO organizations (id, name) VALUES ('acme', 'Acme'), ('bare', 'No policies')`);
  await sql(`INSERT INTO sla_policies (org_id, policy_id, name, first_response_p1_minutes, first_response_p2_minutes,
               first_response_p3_minutes, is_default)
             VALUES ('acme', 'std', 'Standard', 60, 240, 1440, true), ('acme', 'gold', 'Gold', 15, 60, NULL, false)`);
  await sql(`INSERT INTO customers (org_id, customer_id, plan, tier, sla_policy_id)
             VALUES ('acme', 'c-1', 'pro-annual', 'PREMIUM', 'gold'), ('acme', 'c-2', NULL, 'FREE', NULL),
                    ('bare', 'c-9', 'basic', 'STANDARD', NULL)`);
});

after(async () => {
  const keys = await redis.keys(`${keyPrefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await db.drop();
});

const gold = { policyId: 'gold', name: 'Gold', firstResponseMinutes: { P1: 15, P2: 60 } };
const standard = { policyId: 'std', name: 'Standard', firstResponseMinutes: { P1: 60, P2: 240, P3: 1440 } };

test('the first lookup misses and fills the cache with the TTL; the second is served from it', async () => {
  const first = await measured('acme', 'c-1');
  assert.deepEqual(first.context, { known: true, plan: 'pro-annual', tier: 'PREMIUM', slaPolicy: gold });
  assert.equal(first.statements, 2, 'version probe and full read');
  const keys = await redis.keys(`${keyPrefix}:acme:c-1:*`);
  assert.equal(keys.length, 1);
  const ttl = await redis.ttl(keys[0]!);
  assert.ok(ttl > 0 && ttl <= TTL_SECONDS, `ttl ${ttl}`);

  const second = await measured('acme', 'c-1');
  assert.deepEqual(second.context, first.context);
  assert.equal(second.statements, 1, 'only the version probe');
});

test('a change that keeps the version is not seen; one through the trigger is seen at once', async () => {
  await lookup('acme', 'c-1');
  // With the trigger off, the row changes but its version does not: the lookup must answer from the cache.
  await sql('ALTER TABLE customers DISABLE TRIGGER customers_version');
  await sql(`UPDATE customers SET plan = 'sneaky' WHERE org_id = 'acme' AND customer_id = 'c-1'`);
  await sql('ALTER TABLE customers ENABLE TRIGGER customers_version');
  const cached = await measured('acme', 'c-1');
  assert.equal(cached.context.plan, 'pro-annual');
  assert.equal(cached.statements, 1);

  const { rows } = await sql(
    `UPDATE customers SET plan = 'enterprise-annual', tier = 'ENTERPRISE' WHERE org_id = 'acme' AND customer_id = 'c-1'
     RETURNING version::text`,
  );
  const fresh = await measured('acme', 'c-1');
  assert.deepEqual(fresh.context, { known: true, plan: 'enterprise-annual', tier: 'ENTERPRISE', slaPolicy: gold });
  assert.equal(fresh.statements, 2, 'a new version is a new key, so a miss');
  assert.equal((await redis.keys(`${keyPrefix}:acme:c-1:${rows[0].version}.*`)).length, 1);
  assert.equal((await measured('acme', 'c-1')).statements, 1);
});

test('an update that changes nothing keeps the version, and the cache', async () => {
  await lookup('acme', 'c-2');
  const before = await sql(`SELECT version::text FROM customers WHERE customer_id = 'c-2'`);
  await sql(`UPDATE customers SET tier = 'FREE' WHERE org_id = 'acme' AND customer_id = 'c-2'`);
  const after = await sql(`SELECT version::text FROM customers WHERE customer_id = 'c-2'`);
  assert.equal(after.rows[0].version, before.rows[0].version);
  assert.equal((await measured('acme', 'c-2')).statements, 1);
});

test('a change to the SLA policy reaches every customer on it', async () => {
  await lookup('acme', 'c-1');
  await sql(`UPDATE sla_policies SET first_response_p1_minutes = 10 WHERE org_id = 'acme' AND policy_id = 'gold'`);
  const { context, statements: sent } = await measured('acme', 'c-1');
  assert.deepEqual(context.slaPolicy.firstResponseMinutes, { P1: 10, P2: 60 });
  assert.equal(sent, 2);
});

test('customers without a policy, and unknown ones, get the org default; moving the default moves them', async () => {
  assert.deepEqual((await lookup('acme', 'c-2')).slaPolicy, standard);
  const stranger = await measured('acme', 'nobody');
  assert.deepEqual(stranger.context, { known: false, plan: null, tier: 'UNKNOWN', slaPolicy: standard });
  assert.equal((await measured('acme', 'nobody')).statements, 1, 'unknown customers are cached too');

  // One default per org: the old one gives way in the same transaction.
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`UPDATE sla_policies SET is_default = false WHERE org_id = 'acme' AND policy_id = 'std'`);
    await client.query(`UPDATE sla_policies SET is_default = true WHERE org_id = 'acme' AND policy_id = 'gold'`);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  assert.equal((await lookup('acme', 'c-2')).slaPolicy.policyId, 'gold');
  assert.equal((await lookup('acme', 'nobody')).slaPolicy.policyId, 'gold');
});

test('an org without any policy gives no SLA targets rather than failing', async () => {
  assert.deepEqual(await lookup('bare', 'c-9'), {
    known: true,
    plan: 'basic',
    tier: 'STANDARD',
    slaPolicy: NO_SLA_POLICY,
  });
  assert.deepEqual(await lookup('no-such-org', 'c-1'), {
    known: false,
    plan: null,
    tier: 'UNKNOWN',
    slaPolicy: NO_SLA_POLICY,
  });
});

test('a customer created later, or deleted and created again, is never read from an old entry', async () => {
  assert.equal((await lookup('acme', 'late')).known, false);
  await sql(`INSERT INTO customers (org_id, customer_id, plan, tier) VALUES ('acme', 'late', 'starter', 'FREE')`);
  assert.deepEqual(await lookup('acme', 'late'), {
    known: true,
    plan: 'starter',
    tier: 'FREE',
    slaPolicy: (await lookup('acme', 'nobody')).slaPolicy,
  });
  // Versions come from one sequence, so the new row cannot land on the key the deleted one had.
  await sql(`DELETE FROM customers WHERE org_id = 'acme' AND customer_id = 'late'`);
  await sql(`INSERT INTO customers (org_id, customer_id, plan, tier) VALUES ('acme', 'late', 'reborn', 'PREMIUM')`);
  const reborn = await measured('acme', 'late');
  assert.equal(reborn.context.plan, 'reborn');
  assert.equal(reborn.statements, 2);
});

test('deleting a customer’s policy moves them to the default and changes their version', async () => {
  await sql(
    `INSERT INTO sla_policies (org_id, policy_id, name, first_response_p1_minutes) VALUES ('acme', 'temp', 'Temp', 5)`,
  );
  await sql(`UPDATE customers SET sla_policy_id = 'temp' WHERE org_id = 'acme' AND customer_id = 'c-2'`);
  assert.equal((await lookup('acme', 'c-2')).slaPolicy.policyId, 'temp');
  await sql(`DELETE FROM sla_policies WHERE org_id = 'acme' AND policy_id = 'temp'`);
  const { rows } = await sql(`SELECT sla_policy_id FROM customers WHERE org_id = 'acme' AND customer_id = 'c-2'`);
  assert.equal(rows[0].sla_policy_id, null);
  assert.equal((await lookup('acme', 'c-2')).slaPolicy.policyId, 'gold', 'the default since the previous test');
});

test('the schema refuses tiers the events do not know and policies of another org', async () => {
  await assert.rejects(
    sql(`INSERT INTO customers (org_id, customer_id, tier) VALUES ('acme', 'bad', 'PLATINUM')`),
    /customers_tier_check/,
  );
  await assert.rejects(
    sql(`INSERT INTO customers (org_id, customer_id, sla_policy_id) VALUES ('bare', 'bad', 'gold')`),
    /foreign key/,
  );
});
