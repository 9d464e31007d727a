import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJsonLines } from './sources.js';
import { abcdDocuments } from './abcd.js';

const sample = {
  'Product Defect': {
    description: 'refunds and returns',
    subflows: {
      'Initiate Refund': {
        instructions: ['The customer wants a refund.  Check the purchase first.'],
        actions: [
          { type: 'interaction', text: 'Ask for the Order ID.', subtext: ['Order IDs start with a letter'] },
          { type: 'kb query', text: '', subtext: [] },
        ],
      },
    },
  },
  Empty: { subflows: null },
};

test('each flow is a document, each subflow a section with its instructions and actions', () => {
  assert.deepEqual(abcdDocuments(sample), [
    {
      id: 'abcd/product-defect',
      title: 'Product Defect',
      language: 'en',
      body: [
        '# Product Defect',
        'Covers refunds and returns.',
        '## Initiate Refund\n\nThe customer wants a refund. Check the purchase first.\n\n- Ask for the Order ID.\n  - Order IDs start with a letter',
      ].join('\n\n'),
      tags: ['abcd'],
    },
    { id: 'abcd/empty', title: 'Empty', language: 'en', body: '# Empty', tags: ['abcd'] },
  ]);
});

test('the output is JSON lines the importer reads', () => {
  const lines = abcdDocuments(sample)
    .map((d) => JSON.stringify(d))
    .join('\n');
  assert.deepEqual(
    parseJsonLines(lines, 'abcd.jsonl', 0).map((d) => d.documentId),
    ['abcd/product-defect', 'abcd/empty'],
  );
});

test('anything but an object of flows is refused', () => {
  assert.throws(() => abcdDocuments(null), /not an object of flows/);
});
