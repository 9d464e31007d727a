/**
 * The settings store without a database: what validation accepts and refuses, and how the lookup's cache
 * behaves, on a fake Queryable and a fake clock. settings-store.integration.test.ts runs it on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RouteSettings } from './policy.js';
import {
  createRouteSettingsLookup,
  RouteSettingsError,
  saveRouteSettings,
  validateRouteSettings,
} from './settings-store.js';
import type { Queryable } from '../../ops/db/queryable.js';

const full: RouteSettings = {
  autoReplyIntents: ['billing.refund', 'reverted_card_payment?', 'Refund_not_showing_up'],
  autoReplyThreshold: 0.85,
  intentGroups: { billing: 'payments', 'card.lost': 'cards-urgent_2' },
  queueLanguages: ['en', 'es', 'fil'],
};

/** The problems validation reports for a change, as `<field> <rule>` lines; [] when it is accepted. */
function problemsOf(change: unknown): string[] {
  try {
    validateRouteSettings(change);
    return [];
  } catch (error) {
    assert.ok(error instanceof RouteSettingsError, `expected a RouteSettingsError, got ${String(error)}`);
    assert.equal(error.message, error.problems.map((p) => `${p.field} ${p.rule}`).join('; '));
    return error.problems.map((p) => `${p.field} ${p.rule}`);
  }
}

test('valid settings, nulls (back to the default) and absent settings are accepted as given', () => {
  assert.deepEqual(validateRouteSettings(full), full);
  assert.deepEqual(problemsOf({}), []);
  assert.deepEqual(problemsOf({ autoReplyIntents: [], intentGroups: {} }), [], 'empty list: never auto-reply');
  assert.deepEqual(problemsOf({ autoReplyThreshold: 0 }), []);
  assert.deepEqual(problemsOf({ autoReplyThreshold: 1 }), []);
  assert.deepEqual(
    problemsOf({ autoReplyIntents: null, autoReplyThreshold: null, intentGroups: null, queueLanguages: undefined }),
    [],
  );
});

test('the threshold must be a number from 0 to 1', () => {
  for (const bad of [1.5, -0.1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.deepEqual(problemsOf({ autoReplyThreshold: bad }), [
      `autoReplyThreshold must be a number from 0 to 1, got ${bad}`,
    ]);
  }
  assert.deepEqual(problemsOf({ autoReplyThreshold: '0.5' }), [
    'autoReplyThreshold must be a number from 0 to 1, got "0.5"',
  ]);
});

test('auto-reply intents: a list of non-empty, unpadded, distinct names', () => {
  assert.deepEqual(problemsOf({ autoReplyIntents: ['a', '', 'b'] }), [
    'autoReplyIntents entry 2 is empty; intent names must not be empty',
  ]);
  assert.deepEqual(problemsOf({ autoReplyIntents: ['   '] }), [
    'autoReplyIntents entry 1 is empty; intent names must not be empty',
  ]);
  assert.deepEqual(problemsOf({ autoReplyIntents: [' a'] }), [
    'autoReplyIntents entry 1 (" a") has leading or trailing spaces',
  ]);
  assert.deepEqual(problemsOf({ autoReplyIntents: ['a', 'a'] }), ['autoReplyIntents lists "a" twice']);
  assert.deepEqual(problemsOf({ autoReplyIntents: ['a', 3] }), [
    'autoReplyIntents entry 2 must be an intent name, got 3',
  ]);
  assert.deepEqual(problemsOf({ autoReplyIntents: 'billing.refund' }), [
    'autoReplyIntents must be a list of intent names, got "billing.refund"',
  ]);
  assert.match(problemsOf({ autoReplyIntents: ['x'.repeat(201)] })[0]!, /entry 1 is longer than 200 characters/);
});

test('queue languages: at least one, lower-case primary language codes, distinct', () => {
  assert.deepEqual(problemsOf({ queueLanguages: [] }), ['queueLanguages must list at least one language']);
  for (const bad of ['en-GB', 'EN', 'english', '']) {
    const [problem, ...more] = problemsOf({ queueLanguages: [bad] });
    assert.equal(more.length, 0);
    assert.match(problem!, new RegExp(`^queueLanguages entry 1 \\(${JSON.stringify(bad)}\\) must be a lower-case`));
  }
  assert.deepEqual(problemsOf({ queueLanguages: ['en', 'es', 'en'] }), ['queueLanguages lists "en" twice']);
  assert.deepEqual(problemsOf({ queueLanguages: 'en' }), ['queueLanguages must be a list of language codes, got "en"']);
});

test('intent groups: an object of intent names to queue-safe group names', () => {
  assert.deepEqual(problemsOf({ intentGroups: [['billing', 'payments']] }), [
    'intentGroups must map intent names to group names, got [["billing","payments"]]',
  ]);
  assert.deepEqual(problemsOf({ intentGroups: { '': 'payments' } }), [
    'intentGroups key 1 is empty; intent names must not be empty',
  ]);
  assert.deepEqual(problemsOf({ intentGroups: { billing: 'Pay Ments' } }), [
    'intentGroups group of "billing" ("Pay Ments") must be 1 to 63 lower-case letters, digits, _ or -, ' +
      'starting with a letter or digit',
  ]);
  assert.equal(problemsOf({ intentGroups: { billing: 7 } }).length, 1);
  assert.equal(problemsOf({ intentGroups: { billing: '' } }).length, 1);
});

test('unknown settings and non-objects are refused, and every problem is reported at once', () => {
  assert.deepEqual(problemsOf({ threshold: 0.5 }), [
    'threshold is not a route setting (they are autoReplyIntents, autoReplyThreshold, intentGroups, queueLanguages)',
  ]);
  assert.deepEqual(problemsOf(null), ['settings must be an object, got null']);
  assert.deepEqual(problemsOf(['en']), ['settings must be an object, got ["en"]']);
  assert.deepEqual(
    problemsOf({ autoReplyThreshold: 2, queueLanguages: [], autoReplyIntents: [''] }).map((p) => p.split(' ')[0]),
    ['autoReplyThreshold', 'queueLanguages', 'autoReplyIntents'],
  );
});

test('saving refused settings sends nothing to the database', async () => {
  let queries = 0;
  const db = { query: async () => (queries++, { rows: [] }) } as unknown as Queryable;
  await assert.rejects(saveRouteSettings(db, 'acme', { autoReplyThreshold: 1.2 }), (error: unknown) => {
    assert.ok(error instanceof RouteSettingsError);
    assert.deepEqual(error.problems, [{ field: 'autoReplyThreshold', rule: 'must be a number from 0 to 1, got 1.2' }]);
    return true;
  });
  assert.equal(queries, 0);
});

/** A Queryable answering route_settings reads from a map, counting reads per org; `fail` makes reads throw. */
function fakeStore(rows: Record<string, Partial<Record<string, unknown>>>) {
  const reads: string[] = [];
  let fail: Error | null = null;
  const pending: Array<() => void> = [];
  let hold = false;
  const db = {
    query: async (_sql: string, params: unknown[]) => {
      const orgId = params[0] as string;
      reads.push(orgId);
      if (hold) await new Promise<void>((resolve) => pending.push(resolve));
      if (fail) throw fail;
      const row = rows[orgId];
      return {
        rows: row
          ? [
              {
                org_id: orgId,
                auto_reply_intents: null,
                auto_reply_threshold: null,
                intent_groups: null,
                queue_languages: null,
                version: 1,
                updated_at: new Date(0),
                ...row,
              },
            ]
          : [],
      };
    },
  } as unknown as Queryable;
  return {
    db,
    reads,
    rows,
    failWith: (error: Error | null) => (fail = error),
    holdReads: (on: boolean) => {
      hold = on;
      if (!on) pending.splice(0).forEach((release) => release());
    },
  };
}

function fakeClock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

test('the lookup returns only what the org set, {} for an org without a row, and caches both for ttlMs', async () => {
  const store = fakeStore({ acme: { auto_reply_threshold: 0.6, queue_languages: ['es', 'en'] } });
  const clock = fakeClock();
  const lookup = createRouteSettingsLookup({ db: store.db, ttlMs: 1_000, now: clock.now });

  assert.deepEqual(await lookup('acme'), { autoReplyThreshold: 0.6, queueLanguages: ['es', 'en'] });
  assert.deepEqual(await lookup('nobody'), {});
  assert.deepEqual(store.reads, ['acme', 'nobody']);

  clock.advance(999);
  store.rows.acme = { auto_reply_threshold: 0.9 };
  assert.deepEqual(await lookup('acme'), { autoReplyThreshold: 0.6, queueLanguages: ['es', 'en'] }, 'cached');
  assert.deepEqual(await lookup('nobody'), {});
  assert.equal(store.reads.length, 2, 'both served from the cache within the TTL');

  clock.advance(1);
  assert.deepEqual(await lookup('acme'), { autoReplyThreshold: 0.9 }, 'read again once the TTL is over');
  assert.deepEqual(store.reads, ['acme', 'nobody', 'acme']);
});

test('a cached answer is frozen, so no caller can change what the next one gets', async () => {
  const store = fakeStore({ acme: { auto_reply_intents: ['a'] } });
  const lookup = createRouteSettingsLookup({ db: store.db });
  const first = await lookup('acme');
  assert.throws(() => (first.autoReplyIntents as string[]).push('b'), TypeError);
  assert.deepEqual(await lookup('acme'), { autoReplyIntents: ['a'] });
});

test('a failed read is not cached: it fails the lookup, and the next lookup reads again', async () => {
  const store = fakeStore({ acme: { auto_reply_threshold: 0.6 } });
  const lookup = createRouteSettingsLookup({ db: store.db, ttlMs: 60_000 });
  store.failWith(new Error('connection refused'));
  await assert.rejects(async () => lookup('acme'), /connection refused/);
  store.failWith(null);
  assert.deepEqual(await lookup('acme'), { autoReplyThreshold: 0.6 });
  assert.equal(store.reads.length, 2);
  assert.deepEqual(await lookup('acme'), { autoReplyThreshold: 0.6 });
  assert.equal(store.reads.length, 2, 'the good read is cached');
});

test('concurrent misses for one org share one read, failed or not', async () => {
  const store = fakeStore({ acme: { auto_reply_threshold: 0.6 } });
  const lookup = createRouteSettingsLookup({ db: store.db, ttlMs: 60_000 });
  store.holdReads(true);
  const waiting = [lookup('acme'), lookup('acme'), lookup('acme'), lookup('other')];
  store.holdReads(false);
  assert.deepEqual(await Promise.all(waiting), [
    { autoReplyThreshold: 0.6 },
    { autoReplyThreshold: 0.6 },
    { autoReplyThreshold: 0.6 },
    {},
  ]);
  assert.deepEqual(store.reads, ['acme', 'other']);

  const failing = fakeStore({});
  const failingLookup = createRouteSettingsLookup({ db: failing.db });
  failing.failWith(new Error('down'));
  failing.holdReads(true);
  const both = [failingLookup('acme'), failingLookup('acme')].map((p) => Promise.resolve(p));
  failing.holdReads(false);
  const results = await Promise.allSettled(both);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  assert.equal(failing.reads.length, 1);
});

test('ttlMs 0 reads on every lookup; maxEntries drops the entry filled longest ago', async () => {
  const store = fakeStore({});
  const uncached = createRouteSettingsLookup({ db: store.db, ttlMs: 0 });
  await uncached('a');
  await uncached('a');
  assert.deepEqual(store.reads, ['a', 'a']);

  const small = fakeStore({});
  const lookup = createRouteSettingsLookup({ db: small.db, maxEntries: 2 });
  for (const org of ['a', 'b', 'c', 'b', 'c', 'a']) await lookup(org);
  assert.deepEqual(small.reads, ['a', 'b', 'c', 'a'], 'a was dropped when c came in; b and c stayed');
});

test('bad lookup options are refused', () => {
  const { db } = fakeStore({});
  assert.throws(() => createRouteSettingsLookup({ db, ttlMs: -1 }), /ttlMs must be 0 or more, got -1/);
  assert.throws(() => createRouteSettingsLookup({ db, ttlMs: Number.NaN }), RangeError);
  assert.throws(() => createRouteSettingsLookup({ db, maxEntries: 0 }), /maxEntries must be a positive integer/);
});
