/**
 * The route settings store and lookup against the stack's PostgreSQL, on the project's migrations as applied
 * to the real database (ops/db/migrations/0004_route_settings.sql). Every org is made for this run under a
 * unique id and deleted afterwards, which deletes its settings with it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../config/index.js';
import { upsertOrganization } from '../../ops/db/ingest-keys.js';
import { migrate } from '../../ops/db/migrate.js';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { ResponseDrafted } from '../../schemas/index.js';
import { handleOne } from '../testing/stage-harness.js';
import type { RouteSettings } from './policy.js';
import {
  createRouteSettingsLookup,
  readRouteSettings,
  RouteSettingsError,
  saveRouteSettings,
  UnknownOrganizationError,
} from './settings-store.js';
import type { Queryable } from '../../ops/db/queryable.js';
import { routeStage } from './stage.js';

const run = randomUUID().slice(0, 8);
const pool = new pg.Pool({ connectionString: loadConfig().postgres.url, max: 4 });
const orgs: string[] = [];

/** A new org of this run, deleted after it. */
async function newOrg(label: string): Promise<string> {
  const id = `it-route-${label}-${run}`;
  orgs.push(id);
  await upsertOrganization(pool, { id, name: `route settings test ${label}` });
  return id;
}

/** The pool, counting the statements sent through it: what tells a cache hit from a read. */
let statements = 0;
const counted = {
  query: (...args: Parameters<pg.Pool['query']>) => {
    statements++;
    return (pool.query as (...a: unknown[]) => unknown).apply(pool, args);
  },
} as unknown as Queryable;

before(async () => {
  await migrate(pool);
});

after(async () => {
  if (orgs.length > 0) await pool.query('DELETE FROM organizations WHERE id = ANY($1)', [orgs]);
  await pool.end();
});

test('saved settings come back from the lookup as saved, names with any characters included', async () => {
  const orgId = await newOrg('full');
  const settings: RouteSettings = {
    autoReplyIntents: ['billing.refund', 'reverted_card_payment?', 'odd, "quoted" {braced} \\ name'],
    autoReplyThreshold: 0.85,
    intentGroups: { billing: 'payments', 'card.lost': 'cards' },
    queueLanguages: ['es', 'en'],
  };
  const stored = await saveRouteSettings(pool, orgId, settings);
  assert.deepEqual(stored.settings, settings);
  assert.equal(stored.orgId, orgId);
  assert.equal(stored.version, 1);
  assert.ok(stored.updatedAt instanceof Date);

  const lookup = createRouteSettingsLookup({ db: pool });
  assert.deepEqual(await lookup(orgId), settings);
});

test('the route stage decides with the stored settings of the event’s org', async () => {
  const orgId = await newOrg('stage');
  const fixture = sampleEvents.ResponseDrafted;
  const event: ResponseDrafted = {
    ...fixture,
    meta: { ...fixture.meta, orgId },
    enrichment: { ...fixture.enrichment, sentiment: { score: 0.3, label: 'POSITIVE' } },
  };
  const stage = routeStage({ settings: createRouteSettingsLookup({ db: pool, ttlMs: 0 }) });

  const [before] = await handleOne(stage, event);
  assert.equal(before!.routing.decision, 'HUMAN', 'no row: the defaults send nothing automatically');
  assert.equal(before!.routing.queue, 'payments-en');

  await saveRouteSettings(pool, orgId, {
    autoReplyIntents: [fixture.classification.intent],
    autoReplyThreshold: fixture.draft.confidence,
    queueLanguages: ['es'],
  });
  const [afterSave] = await handleOne(stage, event);
  assert.equal(afterSave!.routing.decision, 'AUTO_REPLY');
  assert.equal(afterSave!.routing.queue, 'payments-es', 'English has no queue of its own: the first language’s');
});

test('a partial save changes only what it gives, null returns a setting to its default', async () => {
  const orgId = await newOrg('partial');
  await saveRouteSettings(pool, orgId, { autoReplyIntents: ['a', 'b'], autoReplyThreshold: 0.7 });

  const second = await saveRouteSettings(pool, orgId, { queueLanguages: ['en', 'fr'] });
  assert.deepEqual(second.settings, {
    autoReplyIntents: ['a', 'b'],
    autoReplyThreshold: 0.7,
    queueLanguages: ['en', 'fr'],
  });
  assert.equal(second.version, 2);

  const same = await saveRouteSettings(pool, orgId, { autoReplyThreshold: 0.7 });
  assert.equal(same.version, 2, 'saving what is already stored changes nothing, not even the version');
  assert.deepEqual(same.updatedAt, second.updatedAt);

  const reset = await saveRouteSettings(pool, orgId, { autoReplyThreshold: null, autoReplyIntents: [] });
  assert.deepEqual(reset.settings, { autoReplyIntents: [], queueLanguages: ['en', 'fr'] });
  assert.equal(reset.version, 3);
  assert.deepEqual(await createRouteSettingsLookup({ db: pool })(orgId), reset.settings);
  const columns = await pool.query('SELECT auto_reply_threshold FROM route_settings WHERE org_id = $1', [orgId]);
  assert.deepEqual(columns.rows, [{ auto_reply_threshold: null }], 'stored as "not set", not as a copy of 0.8');
});

test('an org without settings, or without a row at all, gets {}: every default', async () => {
  const orgId = await newOrg('bare');
  const lookup = createRouteSettingsLookup({ db: pool });
  assert.deepEqual(await lookup(orgId), {});
  assert.deepEqual(await lookup(`it-route-missing-${run}`), {});
  assert.equal(await readRouteSettings(pool, orgId), null);
});

test('within the TTL the cache answers without the database; after it, a change is seen', async () => {
  const orgId = await newOrg('cache');
  await saveRouteSettings(pool, orgId, { autoReplyThreshold: 0.6 });
  const ttlMs = 300;
  const lookup = createRouteSettingsLookup({ db: counted, ttlMs });

  const start = statements;
  const filledAt = performance.now();
  assert.deepEqual(await lookup(orgId), { autoReplyThreshold: 0.6 });
  assert.equal(statements - start, 1, 'the first lookup reads');

  assert.deepEqual(await lookup(orgId), { autoReplyThreshold: 0.6 });
  await saveRouteSettings(pool, orgId, { autoReplyThreshold: 0.95 });
  assert.deepEqual(await lookup(orgId), { autoReplyThreshold: 0.6 }, 'the change is not seen within the TTL');
  const elapsed = performance.now() - filledAt;
  assert.ok(elapsed < ttlMs, `precondition: the reads above ran within the TTL (took ${elapsed.toFixed(0)} ms)`);
  assert.equal(statements - start, 1, 'both later lookups were served from the cache');

  await sleep(ttlMs - elapsed + 50);
  const [a, b] = await Promise.all([lookup(orgId), lookup(orgId)]);
  assert.deepEqual(a, { autoReplyThreshold: 0.95 }, 'read again after the TTL, with the change');
  assert.deepEqual(b, a);
  assert.equal(statements - start, 2, 'one read for both lookups after the TTL');
  assert.deepEqual(await lookup(orgId), { autoReplyThreshold: 0.95 });
  assert.equal(statements - start, 2, 'and cached again');
});

test('a failed read is not cached', async () => {
  const orgId = await newOrg('failing');
  await saveRouteSettings(pool, orgId, { queueLanguages: ['de'] });
  let down = true;
  const flaky = {
    query: (...args: Parameters<pg.Pool['query']>) =>
      down
        ? pool.query('SELECT * FROM route_settings_that_does_not_exist')
        : (pool.query as (...a: unknown[]) => unknown).apply(pool, args),
  } as unknown as Queryable;
  const lookup = createRouteSettingsLookup({ db: flaky, ttlMs: 60_000 });
  await assert.rejects(async () => lookup(orgId), /route_settings_that_does_not_exist/);
  down = false;
  assert.deepEqual(await lookup(orgId), { queueLanguages: ['de'] });
});

test('a bad value is refused naming the field and the rule, and nothing is stored', async () => {
  const orgId = await newOrg('refused');
  await saveRouteSettings(pool, orgId, { autoReplyThreshold: 0.7 });
  await assert.rejects(
    saveRouteSettings(pool, orgId, { autoReplyThreshold: 1.5, queueLanguages: ['en-GB'] }),
    (error: unknown) => {
      assert.ok(error instanceof RouteSettingsError);
      assert.deepEqual(
        error.problems.map((p) => p.field),
        ['autoReplyThreshold', 'queueLanguages'],
      );
      assert.match(error.message, /^autoReplyThreshold must be a number from 0 to 1, got 1\.5; queueLanguages entry 1/);
      return true;
    },
  );
  const stored = await readRouteSettings(pool, orgId);
  assert.deepEqual(stored?.settings, { autoReplyThreshold: 0.7 });
  assert.equal(stored?.version, 1);

  await assert.rejects(
    saveRouteSettings(pool, `it-route-missing-${run}`, { autoReplyThreshold: 0.5 }),
    (error: unknown) =>
      error instanceof UnknownOrganizationError && /does not exist; create it first/.test(error.message),
  );
});

test('the table refuses bad values from any writer, and goes with its org', async () => {
  const orgId = await newOrg('constraints');
  const refused = async (column: string, value: unknown) =>
    assert.rejects(
      pool.query(`INSERT INTO route_settings (org_id, ${column}) VALUES ($1, $2)`, [orgId, value]),
      new RegExp(`violates check constraint "route_settings_${column}_check"`),
    );
  await refused('auto_reply_threshold', 1.5);
  await refused('auto_reply_threshold', 'NaN');
  await refused('auto_reply_intents', ['a', '']);
  await refused('intent_groups', JSON.stringify({ billing: 3 }));
  await refused('queue_languages', []);
  await refused('queue_languages', ['en-GB']);

  await saveRouteSettings(pool, orgId, { autoReplyThreshold: 0.5 });
  await pool.query('DELETE FROM organizations WHERE id = $1', [orgId]);
  assert.equal(await readRouteSettings(pool, orgId), null);
});
