/**
 * The batched customer lookup against PostgreSQL (a scratch schema): one query per batch, a change seen by the
 * very next batch, a key the store refuses failing only its own interactions, and the fallback after a bounded
 * wait when the store is away.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Queryable } from '../../ops/db/queryable.js';
import { Dependency } from '../runtime/dependency.js';
import { PermanentError, UnavailableError } from '../runtime/errors.js';
import { CustomerContexts, type CustomerKey } from './customers.js';
import { scratchDatabase, type ScratchDatabase } from './test-support.js';

let db: ScratchDatabase;

before(async () => {
  db = await scratchDatabase('customers');
  await db.pool.query(`INSERT INTO organizations (id, name) VALUES ('org-a', 'A'), ('org-b', 'B')`);
  await db.pool.query(`INSERT INTO sla_policies (org_id, policy_id, name, first_response_p1_minutes, is_default)
                       VALUES ('org-a', 'std', 'Standard', 60, true), ('org-a', 'gold', 'Gold', 15, false)`);
  await db.pool.query(`INSERT INTO customers (org_id, customer_id, plan, tier, sla_policy_id)
                       VALUES ('org-a', 'c1', 'basic', 'STANDARD', NULL), ('org-a', 'c2', 'pro', 'PREMIUM', 'gold'),
                              ('org-b', 'c1', 'team', 'ENTERPRISE', NULL)`);
});

after(async () => {
  await db?.drop();
});

/** The scratch pool, counting statements, and able to play a server that is away. */
function countingPool() {
  const state = { queries: 0, down: false };
  const pool: Queryable = {
    query: (async (text: string, values?: unknown[]) => {
      if (state.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      state.queries += 1;
      return db.pool.query(text, values);
    }) as Queryable['query'],
  };
  const postgres = new Dependency('postgres', {
    probe: async () => {
      if (state.down) throw new Error('still down');
    },
    probeBackoff: { initialMs: 10, maxMs: 20, multiplier: 1 },
  });
  return { pool, postgres, state };
}

const key = (orgId: string, customerId: string): CustomerKey => ({ orgId, customerId });

test('a batch is one query for its distinct customers, known or not, each org its own', async () => {
  const { pool, postgres, state } = countingPool();
  const contexts = new CustomerContexts({ db: pool, postgres, fallbackAfterMs: 1000 });
  const keys = [key('org-a', 'c1'), key('org-a', 'c2'), key('org-a', 'c1'), key('org-b', 'c1'), key('org-a', 'nobody')];
  const found = await contexts.lookup(keys);
  assert.equal(state.queries, 1);
  const get = (k: CustomerKey) => found.get(CustomerContexts.key(k));
  assert.deepEqual(get(key('org-a', 'c1')), {
    known: true,
    plan: 'basic',
    tier: 'STANDARD',
    slaPolicy: { policyId: 'std', name: 'Standard', firstResponseMinutes: { P1: 60 } },
    source: 'STORE',
  });
  assert.equal((get(key('org-a', 'c2')) as { slaPolicy: { policyId: string } }).slaPolicy.policyId, 'gold');
  assert.equal((get(key('org-b', 'c1')) as { tier: string }).tier, 'ENTERPRISE');
  assert.deepEqual(get(key('org-a', 'nobody')), {
    known: false,
    plan: null,
    tier: 'UNKNOWN',
    slaPolicy: { policyId: 'std', name: 'Standard', firstResponseMinutes: { P1: 60 } },
    source: 'STORE',
  });
});

test('a change is seen by the very next batch: nothing serves an old context while the store answers', async () => {
  const { pool, postgres } = countingPool();
  const contexts = new CustomerContexts({ db: pool, postgres, fallbackAfterMs: 1000 });
  const c1 = CustomerContexts.key(key('org-a', 'c1'));
  assert.equal(((await contexts.lookup([key('org-a', 'c1')])).get(c1) as { tier: string }).tier, 'STANDARD');
  await db.pool.query(`UPDATE customers SET tier = 'ENTERPRISE' WHERE org_id = 'org-a' AND customer_id = 'c1'`);
  assert.equal(((await contexts.lookup([key('org-a', 'c1')])).get(c1) as { tier: string }).tier, 'ENTERPRISE');
  await db.pool.query(`UPDATE customers SET tier = 'STANDARD' WHERE org_id = 'org-a' AND customer_id = 'c1'`);
});

test('a customer id the store refuses fails only its own interactions', async () => {
  const { pool, postgres } = countingPool();
  const contexts = new CustomerContexts({ db: pool, postgres, fallbackAfterMs: 1000 });
  const poison = key('org-a', 'bad\u0000id');
  const found = await contexts.lookup([key('org-a', 'c1'), poison, key('org-b', 'c1')]);
  assert.ok(found.get(CustomerContexts.key(poison)) instanceof PermanentError);
  assert.equal((found.get(CustomerContexts.key(key('org-a', 'c1'))) as { source: string }).source, 'STORE');
  assert.equal((found.get(CustomerContexts.key(key('org-b', 'c1'))) as { tier: string }).tier, 'ENTERPRISE');
  assert.equal(postgres.state, 'closed', 'a refusal is no outage');
});

test('while the store is away: wait first, then the last known context, or the empty one, marked so', async () => {
  const { pool, postgres, state } = countingPool();
  let now = 1_000_000;
  const contexts = new CustomerContexts({ db: pool, postgres, fallbackAfterMs: 5000, now: () => now });
  await contexts.lookup([key('org-a', 'c2')]);
  state.down = true;
  const during = [key('org-a', 'c2'), key('org-a', 'never-seen')];
  const waiting = await contexts.lookup(during).then(
    () => assert.fail('answered at once'),
    (error: unknown) => error,
  );
  assert.ok(waiting instanceof UnavailableError);
  assert.equal(postgres.state, 'open');
  assert.ok(waiting.fallbackAt !== null && waiting.fallbackAt > now, 'the runtime is told when to come back');
  now = waiting.fallbackAt;
  const found = await contexts.lookup(during);
  const last = found.get(CustomerContexts.key(during[0]!)) as { source: string; tier: string };
  assert.deepEqual([last.source, last.tier], ['LAST_KNOWN', 'PREMIUM']);
  const empty = found.get(CustomerContexts.key(during[1]!)) as { source: string; tier: string; known: boolean };
  assert.deepEqual([empty.source, empty.tier, empty.known], ['UNAVAILABLE', 'UNKNOWN', false]);
  state.down = false;
  // The probe loop began with the outage and met the store away, so the wait reports an outage that was real.
  assert.equal(await postgres.waitUntilAvailable({ shouldStop: () => false }), true);
  assert.equal(postgres.state, 'closed');
  const back = await contexts.lookup(during);
  assert.equal((back.get(CustomerContexts.key(during[0]!)) as { source: string }).source, 'STORE');
});
