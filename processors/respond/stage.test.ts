import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import { eventCatalog, type Draft, type InteractionGrounded, type Passage } from '../../schemas/index.js';
import { handleOne } from '../testing/stage-harness.js';
import type { DraftGenerator, DraftRequest } from './generator.js';
import { questionOf, respondStage } from './stage.js';

const fixture = sampleEvents.InteractionGrounded;

const lexicalPassage: Passage = {
  chunkId: 'doc-refunds#0',
  documentId: 'doc-refunds',
  documentVersion: 3,
  title: 'Refund policy',
  text: 'Duplicate charges are refunded automatically within 5 business days. Refunds go back to the card you paid with.',
  sourceUri: 'https://help.acme.example/refunds',
  score: 11.2,
  rank: 1,
};

function grounded(passages: Passage[], outOfScope = false): InteractionGrounded {
  return {
    ...fixture,
    classification: { ...fixture.classification, outOfScope },
    grounding: { method: 'LEXICAL', query: 'charged twice refund', passages },
  };
}

test('the fixture (a weak hybrid score) drafts the holding reply and a valid ResponseDrafted', async () => {
  const [out, ...rest] = await handleOne(respondStage(), fixture);
  assert.equal(rest.length, 0);
  eventCatalog().encode('ResponseDrafted', out!);
  assert.equal(out!.draft.holding, true);
  assert.equal(out!.meta.causationId, fixture.meta.eventId);
  assert.deepEqual(out!.classification, fixture.classification);
});

test('grounded passages give an extractive draft that cites them, as a valid ResponseDrafted', async () => {
  const input = grounded([lexicalPassage]);
  const [out] = await handleOne(respondStage(), input);
  eventCatalog().encode('ResponseDrafted', out!);
  assert.equal(out!.draft.holding, false);
  assert.equal(out!.draft.generator.kind, 'EXTRACTIVE');
  assert.ok(out!.draft.text.includes('Duplicate charges are refunded automatically within 5 business days.'));
  assert.deepEqual(
    out!.draft.citations.map((c) => c.chunkId),
    ['doc-refunds#0'],
  );
});

test('an out-of-scope interaction gets the holding reply whatever was retrieved', async () => {
  const input = grounded([lexicalPassage], true);
  const [out] = await handleOne(respondStage(), input);
  eventCatalog().encode('ResponseDrafted', out!);
  assert.equal(out!.draft.holding, true);
  assert.equal(out!.draft.generator.kind, 'TEMPLATE');
  assert.deepEqual(out!.draft.citations, []);
});

test('another generator slots in: it gets the redacted question, language and passages', async () => {
  const requests: DraftRequest[] = [];
  const llm: DraftGenerator = {
    name: 'fake-llm',
    async draft(request) {
      requests.push(request);
      const draft: Draft = {
        text: 'Your duplicate charge will be refunded within 5 business days.',
        language: 'en',
        citations: [
          {
            chunkId: request.passages[0]!.chunkId,
            documentId: request.passages[0]!.documentId,
            documentVersion: request.passages[0]!.documentVersion,
            title: request.passages[0]!.title,
            sourceUri: request.passages[0]!.sourceUri,
          },
        ],
        confidence: 0.9,
        holding: false,
        generator: { kind: 'LLM', model: 'fake-1', version: 'prompt@1' },
        attempts: [],
      };
      return draft;
    },
  };
  const input = grounded([lexicalPassage]);
  const [out] = await handleOne(respondStage({ generator: llm }), input);
  eventCatalog().encode('ResponseDrafted', out!);
  assert.equal(out!.draft.generator.kind, 'LLM');
  assert.equal(requests.length, 1);
  assert.equal(
    requests[0]!.question,
    'Charged twice for January\nHi, I was charged twice on card . Please refund one charge. Reach me at .',
  );
  assert.equal(requests[0]!.language, 'en');
  assert.deepEqual(requests[0]!.passages, [lexicalPassage]);
});

test('the question is the redacted subject and body without placeholders', () => {
  assert.equal(
    questionOf({
      enrichment: { ...fixture.enrichment, redactedSubject: null, redactedBody: 'Call me on [PHONE] about my card' },
    }),
    'Call me on about my card',
  );
});
