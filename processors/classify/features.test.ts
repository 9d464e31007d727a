import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachTerm, tokenize, type FeatureConfig } from './features.js';
import { buildVocabulary, vectorize } from './vectorizer.js';

const config: FeatureConfig = { wordMaxN: 2, charMinN: 3, charMaxN: 4, collapseDigits: true };

test('tokens are lower-cased words with apostrophes, digits collapsed, currency symbols kept', () => {
  assert.deepEqual(tokenize('I can’t see my £20 TOP-UP', config), ['i', "can't", 'see', 'my', '£', '00', 'top', 'up']);
});

test('terms are word uni/bigrams and char n-grams inside space-padded words', () => {
  const terms: string[] = [];
  forEachTerm('Lost card', config, (t) => terms.push(t));
  assert.deepEqual(terms.slice(0, 3), ['w:lost', 'w:card', 'w:lost card']);
  assert.ok(terms.includes('c: lo'));
  assert.ok(terms.includes('c:ost '));
  assert.ok(terms.includes('c: car'));
  assert.ok(!terms.some((t) => t.startsWith('c:') && t.includes('t c')), 'no char n-gram crosses a word boundary');
});

test('tf-idf vectors are unit length, sorted, and ignore unknown terms', () => {
  const vocabulary = buildVocabulary(['lost card', 'lost phone', 'card arrival'], config, 2);
  const v = vectorize('lost lost card zzz', vocabulary, config);
  const norm = Math.sqrt(v.values.reduce((s, x) => s + x * x, 0));
  assert.ok(Math.abs(norm - 1) < 1e-12);
  assert.deepEqual(
    [...v.indices],
    [...v.indices].sort((a, b) => a - b),
  );
  assert.ok(v.indices.every((i) => vocabulary.terms[i] !== undefined));
  assert.equal(vectorize('zzz', vocabulary, config).indices.length, 0);
});
