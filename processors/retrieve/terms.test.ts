import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseLanguage, contentTerms, foldText, stemPlural, tokenize } from './terms.js';

test('tokenize lower-cases, strips accents and keeps inner apostrophes', () => {
  assert.deepEqual(tokenize('Où est mon REMBOURSEMENT? I don’t see it (5.90 EUR)'), [
    'ou',
    'est',
    'mon',
    'remboursement',
    'i',
    "don't",
    'see',
    'it',
    '5',
    '90',
    'eur',
  ]);
});

test('stemPlural folds English plurals only', () => {
  const cases: Array<[string, string]> = [
    ['refunds', 'refund'],
    ['charges', 'charge'],
    ['deliveries', 'delivery'],
    ['days', 'day'],
    ['business', 'business'],
    ['status', 'status'],
    ['gas', 'gas'],
    ['refund', 'refund'],
  ];
  for (const [word, stem] of cases) assert.equal(stemPlural(word), stem, word);
});

test('contentTerms drops filler words in English and folds plurals', () => {
  assert.deepEqual(contentTerms('Hi, I need help: my refunds have not arrived yet!', 'en-GB'), ['refund', 'arrived']);
});

test('contentTerms uses the stop list of the language and never stems other languages', () => {
  assert.deepEqual(contentTerms('¿Cuándo llegan mis reembolsos?', 'es'), ['llegan', 'reembolsos']);
  assert.deepEqual(contentTerms('The refunds', 'nl'), ['the', 'refunds']);
});

test('foldText joins the content terms: the same text folds the same way on both sides of a search', () => {
  assert.equal(foldText('Duplicate charges are refunded', 'en'), 'duplicate charge refunded');
  assert.equal(foldText('', 'en'), '');
});

test('baseLanguage takes the primary subtag', () => {
  assert.equal(baseLanguage('pt-BR'), 'pt');
  assert.equal(baseLanguage('EN_us'), 'en');
  assert.equal(baseLanguage(''), 'und');
});
