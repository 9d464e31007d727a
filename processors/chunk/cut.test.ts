import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventCatalog, type KnowledgeDocument } from '../../schemas/index.js';
import { sampleEvents } from '../../schemas/fixtures.js';
import { chunkDocument, cutBody, DEFAULT_CHUNK_OPTIONS } from './cut.js';

const sentence = (topic: string, n: number) =>
  `The ${topic} rule number ${n} explains one precise detail of how ${topic} works for customers.`;
const paragraph = (topic: string, from: number, count: number) =>
  Array.from({ length: count }, (_, i) => sentence(topic, from + i)).join(' ');

function doc(body: string, overrides: Partial<KnowledgeDocument> = {}): KnowledgeDocument {
  return { ...sampleEvents.KnowledgeDocument, body, ...overrides };
}

test('a short document is one chunk carrying title, section, version and source', () => {
  const chunks = chunkDocument(sampleEvents.KnowledgeDocument);
  assert.deepEqual(chunks, [
    {
      chunkId: 'doc-refunds#0',
      documentId: 'doc-refunds',
      documentVersion: 3,
      chunkIndex: 0,
      chunkCount: 1,
      updatedAt: sampleEvents.KnowledgeDocument.updatedAt,
      title: 'Refund policy',
      section: 'Refund policy',
      text: '# Refund policy\n\nDuplicate charges are refunded automatically within 5 business days.',
      language: 'en',
      sourceUri: 'https://help.acme.example/refunds',
      tags: ['billing'],
    },
  ]);
});

test('chunks become valid KnowledgeChunk events', () => {
  const body = `# Guide\n\n${paragraph('refund', 0, 12)}\n\n## Shipping\n\n${paragraph('shipping', 0, 8)}`;
  for (const chunk of chunkDocument(doc(body))) {
    eventCatalog().encode('KnowledgeChunk', {
      ...chunk,
      meta: sampleEvents.KnowledgeChunk.meta,
      deleted: false,
      embedding: null,
    });
  }
});

test('chunks stay within the size limit and cut only between sentences', () => {
  const body = `# Guide\n\n${paragraph('refund', 0, 20)}\n\n${paragraph('card', 0, 15)}`;
  const chunks = cutBody(body);
  assert.ok(chunks.length > 3);
  for (const c of chunks) {
    assert.ok(c.text.length <= DEFAULT_CHUNK_OPTIONS.maxChars, `${c.text.length} chars`);
    assert.match(c.text, /\.$/, 'ends at a sentence end');
    assert.match(c.text, /^(# Guide\n\n)?The /, 'starts at a sentence start');
  }
  // Nothing is lost: every sentence of the body is in some chunk.
  for (let n = 0; n < 20; n++)
    assert.ok(
      chunks.some((c) => c.text.includes(sentence('refund', n))),
      `refund ${n}`,
    );
  for (let n = 0; n < 15; n++)
    assert.ok(
      chunks.some((c) => c.text.includes(sentence('card', n))),
      `card ${n}`,
    );
});

test('a chunk cut for size starts with the last sentence of the previous one', () => {
  const chunks = cutBody(paragraph('refund', 0, 20));
  for (let i = 1; i < chunks.length; i++) {
    const previous = chunks[i - 1]!.text;
    const lastSentence = previous.slice(previous.lastIndexOf('The '));
    assert.ok(chunks[i]!.text.startsWith(lastSentence), `chunk ${i} overlaps`);
  }
});

test('headings start a new chunk once the current one is big enough, and never end one', () => {
  const body = [
    '# Help',
    paragraph('refund', 0, 6),
    '## Shipping',
    paragraph('shipping', 0, 2),
    '## Cards',
    paragraph('card', 0, 2),
    '### Lost cards',
    paragraph('lost', 0, 8),
  ].join('\n\n');
  const chunks = cutBody(body);
  assert.ok(
    chunks.every((c) => !/\n#+ [^\n]*$/.test(c.text)),
    'no chunk ends with a heading',
  );
  const shipping = chunks.find((c) => c.text.includes('## Shipping'))!;
  assert.ok(shipping.text.startsWith('## Shipping'), 'a big-enough chunk closes before the next heading');
  assert.equal(shipping.section, 'Help > Shipping');
  const lost = chunks.find((c) => c.text.includes('### Lost cards'))!;
  assert.ok(chunks.some((c) => c.section === 'Help > Cards > Lost cards' || c === lost));
});

test('small sections are packed together rather than cut into tiny chunks', () => {
  const body = ['# FAQ', '## A', 'Short answer A.', '## B', 'Short answer B.', '## C', 'Short answer C.'].join('\n\n');
  assert.deepEqual(cutBody(body), [{ text: body, section: 'FAQ > A' }]);
});

test('a sentence longer than a chunk is cut at spaces', () => {
  const long = `${'word '.repeat(400).trim()}.`;
  const chunks = cutBody(long);
  assert.ok(chunks.length >= 3);
  assert.ok(chunks.every((c) => c.text.length <= DEFAULT_CHUNK_OPTIONS.maxChars));
  assert.equal(
    chunks
      .map((c) => c.text)
      .join(' ')
      .split(' ')
      .filter((w) => w.startsWith('word')).length >= 400,
    true,
  );
});

test('long lists are cut between items', () => {
  const items = Array.from({ length: 40 }, (_, i) => `- Item ${i} is one of the many things this list enumerates`).join(
    '\n',
  );
  const chunks = cutBody(`Things:\n${items}`);
  assert.ok(chunks.length > 1);
  for (const c of chunks)
    for (const line of c.text.split('\n')) assert.match(line, /^(Things:|- Item \d+ is one of .* enumerates)$/);
});

test('hard-wrapped prose is cut between sentences, not at its line breaks', () => {
  const wrapped = paragraph('refund', 0, 20).replace(/ (explains)/g, '\n$1');
  const chunks = cutBody(wrapped);
  assert.ok(chunks.length > 1);
  for (const c of chunks) assert.match(c.text, /^The refund rule number \d+\n[\s\S]*customers\.$/);
});

test('headings inside code fences are not headings', () => {
  const [chunk] = cutBody('# Title\n\n```\n# comment\n```\n\nText.');
  assert.equal(chunk!.section, 'Title');
  assert.ok(chunk!.text.includes('# comment'));
});

test('ids are stable and deterministic: same document, same chunks; a new version keeps the ids', () => {
  const body = `# Guide\n\n${paragraph('refund', 0, 20)}`;
  const first = chunkDocument(doc(body));
  assert.deepEqual(chunkDocument(doc(body)), first);
  const next = chunkDocument(doc(body, { version: 4 }));
  assert.deepEqual(
    next.map((c) => c.chunkId),
    first.map((c) => c.chunkId),
  );
  assert.deepEqual(
    first.map((c) => c.chunkId),
    first.map((_, i) => `doc-refunds#${i}`),
  );
  assert.ok(first.every((c) => c.chunkCount === first.length));
});

test('an empty body has no chunks', () => {
  assert.deepEqual(chunkDocument(doc('')), []);
  assert.deepEqual(chunkDocument(doc('# Only a heading')), []);
});
