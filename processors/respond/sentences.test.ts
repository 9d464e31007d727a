import assert from 'node:assert/strict';
import { test } from 'node:test';
import { draftUnits, splitSentences } from './sentences.js';

test('sentences end at . ! ? before a capital or digit, and are exact substrings', () => {
  const text = 'Refunds take 5 days. Card refunds take longer! Why? 3 reasons apply. See www.acme.example for more.';
  const sentences = splitSentences(text);
  assert.deepEqual(sentences, [
    'Refunds take 5 days.',
    'Card refunds take longer!',
    'Why?',
    '3 reasons apply.',
    'See www.acme.example for more.',
  ]);
  for (const s of sentences) assert.ok(text.includes(s));
});

test('abbreviations, initials and decimals do not end sentences', () => {
  assert.deepEqual(
    splitSentences('Pay by card, e.g. Visa or Mastercard. It costs 7.90 EUR. Ask Dr. Smith or J. Doe.'),
    ['Pay by card, e.g. Visa or Mastercard.', 'It costs 7.90 EUR.', 'Ask Dr. Smith or J. Doe.'],
  );
});

test('closing quotes and brackets stay with their sentence', () => {
  assert.deepEqual(splitSentences('Select "Freeze card." Then wait (a minute.) Done.'), [
    'Select "Freeze card."',
    'Then wait (a minute.)',
    'Done.',
  ]);
});

test('draft units: sentences and list items, never headings or code, each under its heading', () => {
  const text = [
    '# Returns',
    '',
    '## Methods',
    '',
    'Refunds go back to:',
    '- your card',
    '* a gift card',
    '1. paper check',
    '',
    '```',
    'if (x) return;',
    '```',
    'Last line. Really last.',
  ].join('\n');
  assert.deepEqual(draftUnits(text), [
    { text: 'Refunds go back to:', listItem: false, introducesList: true, heading: 'Methods' },
    { text: 'your card', listItem: true, introducesList: false, heading: 'Methods' },
    { text: 'a gift card', listItem: true, introducesList: false, heading: 'Methods' },
    { text: 'paper check', listItem: true, introducesList: false, heading: 'Methods' },
    { text: 'Last line.', listItem: false, introducesList: false, heading: 'Methods' },
    { text: 'Really last.', listItem: false, introducesList: false, heading: 'Methods' },
  ]);
  for (const unit of draftUnits(text)) assert.ok(text.includes(unit.text));
});
