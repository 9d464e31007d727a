import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { Passage } from '../../schemas/index.js';
import { answerKeyOf, normalizeQuestion } from './answer-key.js';
import type { DraftRequest } from './generator.js';

const fixture = sampleEvents.InteractionGrounded;

const passage: Passage = {
  chunkId: 'doc-refunds#0',
  documentId: 'doc-refunds',
  documentVersion: 3,
  title: 'Refund policy',
  text: 'Duplicate charges are refunded automatically within 5 business days.',
  sourceUri: null,
  score: 11.2,
  rank: 1,
};

const request: DraftRequest = {
  orgId: 'acme',
  question: 'Charged twice for January. Please refund one charge!',
  language: 'en',
  classification: fixture.classification,
  sentiment: fixture.enrichment.sentiment,
  customer: fixture.enrichment.customer,
  passages: [passage],
  retrievalMethod: 'HYBRID',
};

const keyOf = (change: Partial<DraftRequest>) => answerKeyOf({ ...request, ...change }, 'extractive');

test('case, white space, punctuation and symbols do not change the normalized question', () => {
  assert.equal(normalizeQuestion('  Where is   my REFUND?!\n\tThanks :) 👍 '), 'where is my refund thanks');
  assert.equal(normalizeQuestion('¿Dónde está mi reembolso?'), 'dónde está mi reembolso');
  assert.equal(normalizeQuestion('Ｒｅｆｕｎｄ'), 'refund', 'full-width letters fold (NFKC)');
});

test('digits, a mark between digits and currency signs are kept: amounts and dates change the answer', () => {
  assert.equal(normalizeQuestion('Refund $25.50, not $2,550!'), 'refund $25.50 not $2,550');
  assert.notEqual(normalizeQuestion('charged 25.50'), normalizeQuestion('charged 2550'));
  assert.notEqual(normalizeQuestion('charged €25'), normalizeQuestion('charged £25'));
  assert.equal(normalizeQuestion('on 12/03?'), 'on 12/03');
  assert.equal(normalizeQuestion('order 12...34'), 'order 12 34', 'a run of marks is not a separator');
  assert.equal(normalizeQuestion('sí'), 'sí', 'accents are kept');
});

test('the key is a SHA-256 in hex: no question text reaches Redis', () => {
  const key = keyOf({});
  assert.match(key, /^[0-9a-f]{64}$/);
  assert.ok(!key.includes('refund'));
});

test('the same question typed differently has the same key', () => {
  assert.equal(keyOf({ question: 'charged TWICE for january please refund one charge' }), keyOf({}));
  // Scores move with every document of the org and are left out.
  assert.equal(keyOf({ passages: [{ ...passage, score: 3 }] }), keyOf({}));
});

test('org, language, intent, question, passages, document versions, method and generator each change the key', () => {
  const base = keyOf({});
  const variants: Array<Partial<DraftRequest>> = [
    { orgId: 'globex' },
    { language: 'es' },
    { classification: { ...request.classification, intent: 'account.close' } },
    { question: 'Charged three times for January' },
    { passages: [{ ...passage, documentVersion: 4 }] },
    { passages: [{ ...passage, chunkId: 'doc-refunds#1' }] },
    { passages: [] },
    { passages: [passage, { ...passage, documentId: 'doc-cards', chunkId: 'doc-cards#0', rank: 2 }] },
    { retrievalMethod: 'LEXICAL' },
  ];
  const keys = variants.map(keyOf);
  for (const [i, key] of keys.entries()) assert.notEqual(key, base, `variant ${i} shares the key`);
  assert.equal(new Set(keys).size, keys.length);
  assert.notEqual(answerKeyOf(request, 'llm'), base);
});
