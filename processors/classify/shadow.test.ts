import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Queryable } from '../../ops/db/queryable.js';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { InteractionEnriched } from '../../schemas/index.js';
import { Dependency } from '../runtime/dependency.js';
import { handleOne } from '../testing/stage-harness.js';
import { defaultModel } from './model.js';
import { addTallies, decisionLabel, ShadowComparisons, type Decision } from './shadow.js';
import { classifyStage, type ShadowObserver } from './stage.js';

const quiet = { warn: () => undefined, error: () => undefined };
const said = (intent: string, confidence: number, outOfScope = false): Decision => ({
  intent,
  confidence,
  outOfScope,
  languageSupported: true,
});

test('a decision is the intent, or why there is none', () => {
  assert.equal(decisionLabel(said('refund', 0.9)), 'refund');
  assert.equal(decisionLabel(said('refund', 0.1, true)), '(out of scope)');
  assert.equal(decisionLabel({ ...said('unknown', 0), languageSupported: false }), '(language not supported)');
});

test('tallies count agreement, out of scope, the confidence shift and the decisions that changed', () => {
  const shadows = new ShadowComparisons({ db: {} as Queryable, logger: quiet, now: () => 1000 });
  shadows.observe('org-a', 'v1', 'v2', said('refund', 0.8), said('refund', 0.9));
  shadows.observe('org-a', 'v1', 'v2', said('refund', 0.6), said('cancel', 0.7));
  shadows.observe('org-a', 'v1', 'v2', said('pizza', 0.1, true), said('refund', 0.4));
  shadows.observe('org-b', 'v1', 'v2', said('refund', 0.5), said('refund', 0.5));
  const [a, b] = shadows.pending();
  assert.deepEqual(
    [a!.orgId, a!.interactions, a!.agreed, a!.activeOutOfScope, a!.shadowOutOfScope],
    ['org-a', 3, 1, 1, 0],
  );
  assert.ok(Math.abs(a!.confidenceShiftSum - 0.5) < 1e-9);
  assert.ok(Math.abs(a!.confidenceShiftAbsSum - 0.5) < 1e-9);
  assert.deepEqual(
    [...a!.changes],
    [
      ['refund\u0000cancel', 1],
      ['(out of scope)\u0000refund', 1],
    ],
  );
  assert.deepEqual([b!.orgId, b!.interactions, b!.agreed], ['org-b', 1, 1]);
});

test('a flush writes both tables in one statement; while PostgreSQL is away the tallies are kept and merged', async () => {
  const statements: Array<{ text: string; values: unknown[] }> = [];
  let up = false;
  const db = {
    query: async (statement: { text: string; values: unknown[] }) => {
      if (!up) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      statements.push(statement);
      return { rows: [] };
    },
  } as unknown as Queryable;
  const postgres = new Dependency('postgres', {
    probe: async () => {
      if (!up) throw new Error('down');
    },
  });
  const shadows = new ShadowComparisons({ db, postgres, logger: quiet });
  shadows.observe('org-a', 'v1', 'v2', said('refund', 0.8), said('cancel', 0.6));
  await shadows.flush();
  assert.equal(statements.length, 0);
  assert.equal(shadows.pending()[0]!.interactions, 1, 'kept through the outage');
  shadows.observe('org-a', 'v1', 'v2', said('refund', 0.8), said('cancel', 0.6));
  up = true;
  await postgres.waitUntilAvailable({ shouldStop: () => false });
  await shadows.flush();
  assert.equal(statements.length, 1);
  assert.equal(shadows.pending().length, 0);
  const values = statements[0]!.values;
  assert.deepEqual(values[3], [2], 'two interactions, merged');
  assert.deepEqual([values[14], values[15], values[16]], [['refund'], ['cancel'], [2]]);
});

test('tallies whose version is gone are dropped, not retried for good', async () => {
  let calls = 0;
  const db = {
    query: async () => {
      calls += 1;
      throw Object.assign(new Error('violates foreign key constraint'), { code: '23503', severity: 'ERROR' });
    },
  } as unknown as Queryable;
  const shadows = new ShadowComparisons({
    db,
    postgres: new Dependency('postgres', { probe: async () => 1 }),
    logger: quiet,
  });
  shadows.observe('org-a', 'v1', 'gone', said('refund', 0.8), said('refund', 0.8));
  await shadows.flush();
  await shadows.flush();
  assert.equal(calls, 1);
  assert.equal(shadows.pending().length, 0);
});

test('the statement lines up one value per tally and per changed decision', () => {
  const shadows = new ShadowComparisons({ db: {} as Queryable, logger: quiet });
  shadows.observe('org-a', 'v1', 'v2', said('a', 0.5), said('b', 0.5));
  shadows.observe('org-a', 'v1', 'v2', said('a', 0.5), said('c', 0.5));
  const { values } = addTallies(shadows.pending());
  assert.equal(values.length, 17);
  for (const column of values.slice(0, 11)) assert.equal((column as unknown[]).length, 1);
  for (const column of values.slice(11)) assert.equal((column as unknown[]).length, 2);
});

test('the stage runs the org’s shadow beside the active model and the event carries the active decision only', async () => {
  const active = defaultModel();
  const shadow = active.withThreshold(1);
  Object.defineProperty(shadow, 'modelVersion', { value: 'strict-000000000000' });
  const seen: unknown[][] = [];
  const observer: ShadowObserver = { observe: (...args) => void seen.push(args) };
  const models = { modelFor: () => active, shadowFor: (org: string) => (org === 'org-shadowed' ? shadow : undefined) };
  const stage = classifyStage({ models, shadows: observer });
  const base = sampleEvents.InteractionEnriched;
  const input = (orgId: string): InteractionEnriched => ({
    ...base,
    meta: { ...base.meta, orgId },
    enrichment: {
      ...base.enrichment,
      redactedSubject: null,
      redactedBody: 'I lost my card yesterday, please block it',
    },
  });
  const [out] = await handleOne(stage, input('org-shadowed'));
  assert.equal(out!.classification.modelVersion, active.modelVersion);
  assert.equal(out!.classification.outOfScope, false);
  assert.equal(seen.length, 1);
  const [orgId, activeVersion, version, mine, theirs] = seen[0]! as [string, string, string, Decision, Decision];
  assert.deepEqual([orgId, activeVersion, version], ['org-shadowed', active.modelVersion, 'strict-000000000000']);
  assert.deepEqual([mine.intent, mine.outOfScope, theirs.outOfScope], ['lost_or_stolen_card', false, true]);
  await handleOne(stage, input('org-plain'));
  assert.equal(seen.length, 1, 'an org without a shadow runs one model');
});
