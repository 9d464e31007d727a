import assert from 'node:assert/strict';
import { test } from 'node:test';
import { handleOne } from '../testing/stage-harness.js';
import { eventCatalog, type InteractionClassified, type Passage } from '../../schemas/index.js';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { SearchRequest } from './search.js';
import { retrieveStage } from './stage.js';

const passage: Passage = {
  chunkId: 'returns-and-refunds#1',
  documentId: 'returns-and-refunds',
  documentVersion: 7,
  title: 'Returns and refunds',
  text: 'If you were charged twice for the same order, the duplicate charge is refunded automatically within 5 business days.',
  sourceUri: 'https://help.acme.example/articles/returns-and-refunds',
  score: 12.5,
  rank: 1,
};

function recordingSearch(passages: Passage[] = [passage]) {
  const requests: SearchRequest[] = [];
  return {
    requests,
    search: async (batch: readonly SearchRequest[]) => {
      requests.push(...batch);
      return batch.map(() => ({ passages, language: passages.length > 0 ? 'en' : null }));
    },
  };
}

test('grounds a classified interaction in its org and language and emits a valid InteractionGrounded', async () => {
  const input = sampleEvents.InteractionClassified;
  const { search, requests } = recordingSearch();
  const [out, ...rest] = await handleOne(retrieveStage({ search, k: 4 }), input);
  assert.equal(rest.length, 0);
  eventCatalog().encode('InteractionGrounded', out!);
  assert.deepEqual(requests, [
    {
      orgId: 'org-acme',
      language: 'en',
      query:
        'billing refund Charged twice for January Hi, I was charged twice on card . Please refund one charge. Reach me at .',
      k: 4,
    },
  ]);
  assert.equal(out!.grounding.method, 'HYBRID');
  assert.deepEqual(out!.grounding.passages, [passage]);
  assert.equal(out!.meta.causationId, input.meta.eventId);
  assert.deepEqual(out!.classification, input.classification);
  assert.deepEqual(out!.enrichment, input.enrichment);
});

test('an out-of-scope interaction is still searched, without its intent, and stays marked by its classification', async () => {
  const input = {
    ...sampleEvents.InteractionClassified,
    classification: { ...sampleEvents.InteractionClassified.classification, outOfScope: true },
  };
  const { search, requests } = recordingSearch();
  const [out] = await handleOne(retrieveStage({ search }), input);
  eventCatalog().encode('InteractionGrounded', out!);
  assert.equal(requests.length, 1);
  assert.ok(!requests[0]!.query.startsWith('billing refund'));
  assert.equal(out!.grounding.method, 'HYBRID');
  assert.equal(out!.classification.outOfScope, true);
});

test('with outOfScope: skip, no search runs and the grounding says SKIPPED', async () => {
  const input = {
    ...sampleEvents.InteractionClassified,
    classification: { ...sampleEvents.InteractionClassified.classification, outOfScope: true },
  };
  const { search, requests } = recordingSearch();
  const [out] = await handleOne(retrieveStage({ search, outOfScope: 'skip' }), input);
  eventCatalog().encode('InteractionGrounded', out!);
  assert.equal(requests.length, 0);
  assert.deepEqual(out!.grounding, { method: 'SKIPPED', query: '', passages: [] });
});

test('nothing found is an empty grounding, not an error', async () => {
  const input = sampleEvents.InteractionClassified;
  const { search } = recordingSearch([]);
  const [out] = await handleOne(retrieveStage({ search }), input);
  eventCatalog().encode('InteractionGrounded', out!);
  assert.equal(out!.grounding.method, 'HYBRID');
  assert.deepEqual(out!.grounding.passages, []);
});

test('a message with nothing searchable in it is SKIPPED without a search', async () => {
  const base = sampleEvents.InteractionClassified;
  const input: InteractionClassified = {
    ...base,
    enrichment: { ...base.enrichment, redactedSubject: null, redactedBody: '[EMAIL]' },
    classification: { ...base.classification, intent: 'unknown' },
  };
  const { search, requests } = recordingSearch();
  const [out] = await handleOne(retrieveStage({ search }), input);
  eventCatalog().encode('InteractionGrounded', out!);
  assert.equal(requests.length, 0);
  assert.equal(out!.grounding.method, 'SKIPPED');
});

test('a failing search fails the handler, so the runtime retries it', async () => {
  const input = sampleEvents.InteractionClassified;
  const search = async () => {
    throw new Error('connection refused');
  };
  await assert.rejects(handleOne(retrieveStage({ search }), input), /connection refused/);
});

test('a batch waits until the index is ready before it searches', async () => {
  const { search, requests } = recordingSearch();
  let release!: () => void;
  const ready = new Promise<void>((resolve) => (release = resolve));
  const handling = handleOne(retrieveStage({ search, ready: () => ready }), sampleEvents.InteractionClassified);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(requests.length, 0, 'no search before the table caught up');
  release();
  const [out] = await handling;
  assert.equal(requests.length, 1);
  assert.equal(out!.grounding.method, 'HYBRID');
});
