import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { eventCatalog, type Draft } from '../../schemas/index.js';
import { sampleEvents } from '../../schemas/fixtures.js';
import { fallbackChain } from './chain.js';
import { extractiveGenerator } from './extractive.js';
import type { ModelAnswer } from './llm/answer.js';
import { MalformedAnswerError } from './llm/answer.js';
import { createDraftMetrics } from './metrics.js';
import { ModelTier, type ModelTierOptions } from './model-tier.js';
import { deferred, draftRequest, FakeModel, groundedAnswer } from './test-support.js';

function setup(models: Array<[string, FakeModel]>, options: Partial<ModelTierOptions> = {}) {
  const registry = new Registry();
  const metrics = createDraftMetrics([registry]);
  const tiers = models.map(
    ([name, model]) =>
      new ModelTier(name, model, {
        timeoutMs: 200,
        concurrency: 1,
        metrics,
        probeBackoff: { initialMs: 20, maxMs: 20, multiplier: 1 },
        ...options,
      }),
  );
  return { chain: fallbackChain(tiers, extractiveGenerator(), metrics), tiers, registry };
}

const outcomes = (draft: Draft) => draft.attempts.map((a) => `${a.tier}:${a.outcome}`);

test('the first tier that answers writes the draft, citing what its sentences cite', async () => {
  const { chain } = setup([['local', new FakeModel()]]);
  const draft = await chain.draft(draftRequest());
  assert.equal(draft.generator.kind, 'LLM');
  assert.equal(draft.generator.model, 'fake-model');
  assert.match(draft.text, /refunded automatically within 5 business days/);
  assert.deepEqual(
    draft.citations.map((c) => c.chunkId),
    ['doc-refunds#0'],
  );
  assert.deepEqual(outcomes(draft), ['local:ANSWERED']);
  assert.equal(draft.attempts[0]!.promptTokens, 300);
  assert.equal(draft.attempts[0]!.completionTokens, 30);
  assert.ok(draft.confidence > 0 && draft.confidence <= 1);
  // The attempts travel in the event: it must encode.
  eventCatalog().encode('ResponseDrafted', { ...sampleEvents.ResponseDrafted, draft });
});

test('a failing first tier hands the draft to the next, which says why the first did not answer', async () => {
  const { chain } = setup([
    ['cloud', new FakeModel(() => Promise.reject(new Error('HTTP 500 from the endpoint')))],
    ['local', new FakeModel()],
  ]);
  const draft = await chain.draft(draftRequest());
  assert.deepEqual(outcomes(draft), ['cloud:FAILED', 'local:ANSWERED']);
  assert.match(draft.attempts[0]!.reason!, /HTTP 500/);
});

test('a slow model times out and the draft falls to the extractive tier, the model being told to stop', async () => {
  const model = new FakeModel(() => sleep(1000).then(() => groundedAnswer));
  const { chain } = setup([['local', model]], { timeoutMs: 50 });
  const started = Date.now();
  const draft = await chain.draft(draftRequest());
  assert.ok(Date.now() - started < 500, 'the chain does not wait for the slow model');
  assert.deepEqual(outcomes(draft), ['local:TIMEOUT', 'extractive:ANSWERED']);
  assert.equal(draft.generator.kind, 'EXTRACTIVE');
  assert.match(draft.attempts[0]!.reason!, /within 50 ms/);
  assert.equal(model.aborted, 1);
});

test('a saturated tier is passed over at once, without queueing behind the drafts it is writing', async () => {
  const hold = deferred<ModelAnswer>();
  const { chain, registry } = setup([['local', new FakeModel(() => hold.promise)]], {
    concurrency: 2,
    timeoutMs: 5000,
  });
  const first = chain.draft(draftRequest());
  const second = chain.draft(draftRequest());
  const started = Date.now();
  const third = await chain.draft(draftRequest());
  assert.ok(Date.now() - started < 100);
  assert.deepEqual(outcomes(third), ['local:SATURATED', 'extractive:ANSWERED']);
  assert.match(third.attempts[0]!.reason!, /2 drafts in flight, limit 2/);
  hold.resolve(groundedAnswer);
  assert.deepEqual(outcomes(await first), ['local:ANSWERED']);
  assert.deepEqual(outcomes(await second), ['local:ANSWERED']);
  const metrics = await registry.getMetricsAsJSON();
  const attempts = metrics.find((m) => m.name === 'ticketflow_draft_attempts_total')!;
  const count = (tier: string, outcome: string) =>
    attempts.values.find((v) => v.labels.tier === tier && v.labels.outcome === outcome)?.value;
  assert.equal(count('local', 'ANSWERED'), 2);
  assert.equal(count('local', 'SATURATED'), 1);
  assert.equal(count('extractive', 'ANSWERED'), 1);
});

test('consecutive failures open the breaker; drafts skip the tier until its health check answers again', async () => {
  const model = new FakeModel(() => Promise.reject(new Error('connection refused')));
  model.healthy = false;
  const { chain, tiers } = setup([['cloud', model]], { failuresToTrip: 2 });
  assert.deepEqual(outcomes(await chain.draft(draftRequest())), ['cloud:FAILED', 'extractive:ANSWERED']);
  assert.deepEqual(outcomes(await chain.draft(draftRequest())), ['cloud:FAILED', 'extractive:ANSWERED']);
  const skipped = await chain.draft(draftRequest());
  assert.deepEqual(outcomes(skipped), ['cloud:CIRCUIT_OPEN', 'extractive:ANSWERED']);
  assert.equal(model.prompts.length, 2, 'an open breaker does not call the model');
  model.healthy = true;
  model.respond = () => groundedAnswer;
  for (let i = 0; i < 50 && tiers[0]!.breaker.state !== 'closed'; i++) await sleep(10);
  assert.deepEqual(outcomes(await chain.draft(draftRequest())), ['cloud:ANSWERED']);
});

test('a tier whose health check fails at start begins with its breaker open', async () => {
  const model = new FakeModel();
  model.healthy = false;
  const { chain, tiers } = setup([['local', model]]);
  assert.equal(await tiers[0]!.checkHealth(), false);
  assert.deepEqual(outcomes(await chain.draft(draftRequest())), ['local:CIRCUIT_OPEN', 'extractive:ANSWERED']);
  model.healthy = true;
  for (let i = 0; i < 50 && tiers[0]!.breaker.state !== 'closed'; i++) await sleep(10);
  assert.equal(tiers[0]!.breaker.state, 'closed');
});

test('malformed output, a refusal and an ungrounded answer each go to the next tier with their reason', async () => {
  const cases: Array<[() => ModelAnswer, string, RegExp]> = [
    [
      () => {
        throw new MalformedAnswerError('line "Sure! Here you go" is not "[P<n>] sentence"');
      },
      'MALFORMED',
      /not "\[P<n>\] sentence"/,
    ],
    [() => ({ ...groundedAnswer, sentences: [], refused: true }), 'REFUSED', /do not answer/],
    [
      () => ({ ...groundedAnswer, sentences: [{ text: 'Refunds take 5 business days.', citations: ['P9'] }] }),
      'UNGROUNDED',
      /cites P9, which was not retrieved/,
    ],
    [
      () => ({ ...groundedAnswer, sentences: [{ text: 'Refunds take 30 business days.', citations: ['P1'] }] }),
      'UNGROUNDED',
      /states 30/,
    ],
  ];
  for (const [respond, outcome, reason] of cases) {
    const { chain } = setup([['local', new FakeModel(respond)]]);
    const draft = await chain.draft(draftRequest());
    assert.deepEqual(outcomes(draft), [`local:${outcome}`, 'extractive:ANSWERED'], outcome);
    assert.match(draft.attempts[0]!.reason!, reason);
    assert.equal(draft.generator.kind, 'EXTRACTIVE');
  }
});

test('malformed output does not open the breaker: the model answered, just badly', async () => {
  const bad = () => {
    throw new MalformedAnswerError('garbage');
  };
  const { chain, tiers } = setup([['local', new FakeModel(bad)]], { failuresToTrip: 1 });
  await chain.draft(draftRequest());
  await chain.draft(draftRequest());
  assert.equal(tiers[0]!.breaker.state, 'closed');
});

test('with nothing retrieved no model is asked, and the extractive tier drafts the holding reply', async () => {
  const model = new FakeModel();
  const { chain } = setup([['local', model]]);
  const draft = await chain.draft(draftRequest({ passages: [] }));
  assert.equal(draft.holding, true);
  assert.deepEqual(outcomes(draft), ['extractive:ANSWERED']);
  assert.equal(model.prompts.length, 0);
});

test('when every model fails and the passages do not address the question, the holding reply is drafted', async () => {
  const { chain } = setup([['local', new FakeModel(() => ({ ...groundedAnswer, sentences: [], refused: true }))]]);
  const draft = await chain.draft(draftRequest({ question: 'Do you ship to Mars by rocket?' }));
  assert.equal(draft.holding, true);
  assert.deepEqual(outcomes(draft), ['local:REFUSED', 'extractive:ANSWERED']);
});
