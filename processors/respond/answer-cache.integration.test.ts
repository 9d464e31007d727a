/**
 * The answer cache on the stack's Redis: the respond stage as the catalog builds it drafts once and serves the
 * same question again from Redis; a new version of a cited document, told by the chunk stage's handler, removes
 * the answer; another org never gets it; an entry expires after its TTL.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../config/index.js';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { InteractionGrounded, KnowledgeDocument, Passage } from '../../schemas/index.js';
import { hostedStage } from '../catalog.js';
import { LiveChunks } from '../chunk/live-chunks.js';
import { chunkStage } from '../chunk/stage.js';
import { Resources } from '../resources.js';
import { handleOne, runStage } from '../testing/stage-harness.js';
import { AnswerCache, cachedGenerator, invalidateAnswersOf } from './answer-cache.js';
import { citesKey, RedisAnswerStore } from './answer-store.js';
import { extractiveGenerator } from './extractive.js';
import { refundPassage, refundRequest } from '../testing/answer-kit.js';

const run = randomUUID().slice(0, 8);
const ORG = `it-answers-${run}`;
const OTHER_ORG = `it-answers-other-${run}`;
const resources = new Resources(loadConfig(), pino({ level: 'silent' }));
const cache = resources.answerCache()!;
const { client: redis } = resources.redis();
const respond = hostedStage('respond', resources).stage;
// Until the client is connected every lookup is a bypass.
if (redis.status !== 'ready') await once(redis, 'ready');

after(async () => {
  const keys = await redis.keys(`tf:answer:*${run}*`);
  if (keys.length > 0) await redis.del(...keys);
  await resources.close();
});

const passage = refundPassage;

function grounded(orgId: string, body: string, passages: Passage[] = [passage]): InteractionGrounded {
  const fixture = sampleEvents.InteractionGrounded;
  return {
    ...fixture,
    meta: { ...fixture.meta, orgId, eventId: randomUUID() },
    enrichment: { ...fixture.enrichment, redactedSubject: null, redactedBody: body, language: 'en' },
    grounding: { method: 'LEXICAL', query: body, passages },
  };
}

const outcomes = async () =>
  Object.fromEntries((await cache.metrics.lookups.get()).values.map((v) => [v.labels.outcome, v.value]));

async function draftOf(event: InteractionGrounded) {
  const before = await outcomes();
  const [out] = await handleOne(respond, event);
  const after = await outcomes();
  const outcome = ['hit', 'miss', 'bypass'].find((o) => (after[o] ?? 0) > (before[o] ?? 0));
  return { draft: out!.draft, outcome };
}

const QUESTION = 'I was charged twice, please refund the duplicate charge';

test('a miss is drafted and stored under a hashed key; the same question typed differently is then a hit', async () => {
  const first = await draftOf(grounded(ORG, QUESTION));
  assert.equal(first.outcome, 'miss');
  assert.equal(first.draft.holding, false);
  const again = await draftOf(grounded(ORG, 'I was charged TWICE. Please refund the duplicate charge!'));
  assert.equal(again.outcome, 'hit');
  assert.deepEqual(again.draft, first.draft);

  const keys = await redis.keys(`tf:answer:entry:${ORG}:*`);
  assert.equal(keys.length, 1);
  assert.match(keys[0]!, /:[0-9a-f]{64}$/);
  const stored = (await redis.get(keys[0]!))!;
  assert.ok(!stored.toLowerCase().includes('charged twice'), 'the question is not stored');
  assert.deepEqual(await redis.smembers(citesKey(ORG, 'doc-refunds')), keys);
  const ttl = await redis.ttl(keys[0]!);
  assert.ok(ttl > 3500 && ttl <= 3600, `expires after the configured hour (${ttl} s)`);
});

test('a new version of a cited document, through the chunk stage, removes the answers citing it', async () => {
  const question = 'How long until the duplicate charge is refunded?';
  assert.equal((await draftOf(grounded(ORG, question))).outcome, 'miss');
  assert.equal((await draftOf(grounded(ORG, question))).outcome, 'hit');

  const live = new LiveChunks();
  const table = {
    catchUp: async () => live.settle(),
    live: (org: string, doc: string) => live.live(org, doc),
    emitted: (org: string, doc: string, version: number, indexes: readonly number[]) =>
      live.emitted(org, doc, version, indexes),
  };
  const chunk = chunkStage({ table, onDocumentsChanged: invalidateAnswersOf(cache) });
  const document: KnowledgeDocument = {
    ...sampleEvents.KnowledgeDocument,
    meta: { ...sampleEvents.KnowledgeDocument.meta, orgId: ORG },
    version: 4,
    body: '# Refund policy\n\nDuplicate charges are refunded automatically within 3 business days.',
  };
  const removedBefore = (await cache.metrics.invalidations.get()).values.find(
    (v) => v.labels.reason === 'document-changed',
  );
  await runStage(chunk, [document]);
  const removed = (await cache.metrics.invalidations.get()).values.find((v) => v.labels.reason === 'document-changed');
  assert.equal((removed?.value ?? 0) - (removedBefore?.value ?? 0), 2, 'both answers citing doc-refunds');
  assert.deepEqual(await redis.keys(`tf:answer:entry:${ORG}:*`), []);
  assert.equal(await redis.exists(citesKey(ORG, 'doc-refunds')), 0);

  // Before retrieval sees the new version, the old passages draft again; once it does, the key itself differs.
  assert.equal((await draftOf(grounded(ORG, question))).outcome, 'miss');
  const newer = await draftOf(grounded(ORG, question, [{ ...passage, documentVersion: 4 }]));
  assert.equal(newer.outcome, 'miss');
  assert.equal(newer.draft.citations[0]!.documentVersion, 4);
});

test('another org asking the same question over the same passages misses and gets its own entry', async () => {
  const question = 'Where does my refund go, back to the card?';
  assert.equal((await draftOf(grounded(ORG, question))).outcome, 'miss');
  assert.equal((await draftOf(grounded(OTHER_ORG, question))).outcome, 'miss');
  assert.equal((await draftOf(grounded(OTHER_ORG, question))).outcome, 'hit');
  assert.equal((await redis.keys(`tf:answer:entry:${OTHER_ORG}:*`)).length, 1);

  // An entry of one org copied under another org's key (a bug, a hand-made key) is refused and removed.
  const [mine] = await redis.keys(`tf:answer:entry:${OTHER_ORG}:*`);
  const theirs = JSON.stringify({ ...JSON.parse((await redis.get(mine!))!), orgId: ORG });
  await redis.set(mine!, theirs);
  assert.equal((await draftOf(grounded(OTHER_ORG, question))).outcome, 'miss');
});

test('an answer expires after its TTL', async () => {
  const short = new AnswerCache({ store: new RedisAnswerStore(redis), ttlSeconds: 1, timeoutMs: 200 });
  const generator = cachedGenerator(extractiveGenerator(), short);
  const request = refundRequest(ORG, 'Is the duplicate charge refunded automatically?');
  await generator.draft(request);
  await generator.draft(request);
  await sleep(1300);
  await generator.draft(request);
  const values = Object.fromEntries((await short.metrics.lookups.get()).values.map((v) => [v.labels.outcome, v.value]));
  assert.deepEqual(values, { miss: 2, hit: 1 });
});

test('a reply that arrived while the event loop was busy past the timeout is still read, not a bypass', async () => {
  const quick = new AnswerCache({ store: new RedisAnswerStore(redis), ttlSeconds: 60, timeoutMs: 20 });
  const request = refundRequest(ORG, 'Busy loop question about the duplicate charge refund');
  const lookup = quick.lookup(request, 'busy-loop-key');
  // Drafting a batch synchronously: the GET's reply comes back meanwhile, and the timer expires.
  const until = performance.now() + 100;
  while (performance.now() < until);
  assert.equal((await lookup).outcome, 'miss');
});
