import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import { buildRetrievalQuery, intentWords, truncateAtWord, withoutPlaceholders } from './query.js';

const { enrichment, classification } = sampleEvents.InteractionClassified;

test('the query is the intent, subject and body, with redaction placeholders removed', () => {
  assert.equal(
    buildRetrievalQuery(enrichment, classification),
    'billing refund Charged twice for January Hi, I was charged twice on card . Please refund one charge. Reach me at .',
  );
});

test('an out-of-scope or unknown intent adds nothing to the query', () => {
  assert.equal(intentWords({ ...classification, outOfScope: true }), '');
  assert.equal(intentWords({ ...classification, intent: 'unknown' }), '');
  assert.equal(intentWords({ ...classification, intent: 'reverted_card_payment?' }), 'reverted card payment');
});

test('a message of placeholders only gives an empty query', () => {
  assert.equal(
    buildRetrievalQuery(
      { redactedSubject: null, redactedBody: '[EMAIL] [PHONE]' },
      { ...classification, outOfScope: true },
    ),
    '',
  );
});

test('withoutPlaceholders keeps line breaks', () => {
  assert.equal(withoutPlaceholders('Card [CARD] lost\n  call [PHONE]'), 'Card lost\ncall');
});

test('long queries are cut at a word boundary', () => {
  assert.equal(truncateAtWord('alpha beta gamma delta', 13), 'alpha beta');
  assert.equal(truncateAtWord('short', 13), 'short');
  assert.equal(
    buildRetrievalQuery({ redactedSubject: null, redactedBody: 'word '.repeat(500) }, classification).length <= 1000,
    true,
  );
});
