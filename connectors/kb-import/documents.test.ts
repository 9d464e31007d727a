import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventCatalog } from '../../schemas/index.js';
import { normalizeLanguageTag, toKnowledgeDocument } from './documents.js';
import type { SourceDocument } from './sources.js';

const options = { defaultLanguage: 'en', now: Date.UTC(2025, 5, 1) };

function source(overrides: Partial<SourceDocument>): SourceDocument {
  return {
    documentId: 'refunds',
    format: 'markdown',
    content: '# Refund policy\n\nRefunds take 5 days.',
    fallbackTitle: 'Refunds',
    updatedAt: 1_700_000_000_000,
    ...overrides,
  };
}

test('a Markdown file with front matter becomes a valid KnowledgeDocument', () => {
  const doc = toKnowledgeDocument(
    'org-a',
    source({
      content:
        '---\ntitle: Refunds explained\nlanguage: es-mx\ntags: billing, orders\nurl: https://h/r\nversion: 42\n---\n\n# Reembolsos\n\nTexto.\n',
    }),
    options,
  );
  eventCatalog().encode('KnowledgeDocument', doc);
  assert.equal(doc.title, 'Refunds explained');
  assert.equal(doc.language, 'es-MX');
  assert.deepEqual(doc.tags, ['billing', 'orders']);
  assert.deepEqual(doc.source, { kind: 'HELP_CENTER', uri: 'https://h/r' });
  assert.equal(doc.version, 42);
  assert.equal(doc.body, '# Reembolsos\n\nTexto.');
  assert.deepEqual(
    { ...doc.meta, eventId: undefined },
    {
      eventId: undefined,
      orgId: 'org-a',
      conversationId: 'refunds',
      ticketId: 'refunds',
      causationId: null,
      occurredAt: options.now,
      producer: { stage: 'kb-import', version: '0.1.0' },
    },
  );
});

test('title: explicit, else first heading (or <title>), else the file name', () => {
  assert.equal(toKnowledgeDocument('o', source({}), options).title, 'Refund policy');
  assert.equal(toKnowledgeDocument('o', source({ title: 'Given' }), options).title, 'Given');
  assert.equal(toKnowledgeDocument('o', source({ content: 'No heading.' }), options).title, 'Refunds');
  const html = toKnowledgeDocument(
    'o',
    source({ format: 'html', content: '<title>Web title</title><p>Body <b>text</b></p>' }),
    options,
  );
  assert.equal(html.title, 'Web title');
  assert.equal(html.body, 'Body text');
  const text = toKnowledgeDocument('o', source({ format: 'text', content: '# not parsed\r\nplain\r\n' }), options);
  assert.equal(text.title, 'Refunds');
  assert.equal(text.body, '# not parsed\nplain');
});

test('without a language, the default; without a version, the modification time; without a URL, an upload', () => {
  const doc = toKnowledgeDocument('o', source({}), options);
  assert.equal(doc.language, 'en');
  assert.equal(doc.version, 1_700_000_000_000);
  assert.equal(doc.updatedAt, 1_700_000_000_000);
  assert.deepEqual(doc.source, { kind: 'UPLOAD', uri: null });
  eventCatalog().encode('KnowledgeDocument', doc);
});

test('the event id is derived from org, document and version: re-importing gives the same event', () => {
  const a = toKnowledgeDocument('o', source({}), options);
  assert.equal(toKnowledgeDocument('o', source({}), { ...options, now: 1 }).meta.eventId, a.meta.eventId);
  assert.notEqual(toKnowledgeDocument('o', source({ version: 2 }), options).meta.eventId, a.meta.eventId);
  assert.notEqual(toKnowledgeDocument('p', source({}), options).meta.eventId, a.meta.eventId);
});

test('bad languages and versions are refused with the document named', () => {
  assert.throws(
    () => toKnowledgeDocument('o', source({ language: 'english!' }), options),
    /document refunds: language/,
  );
  assert.throws(() => toKnowledgeDocument('o', source({ content: '---\nversion: 1.5\n---\n# T' }), options), /version/);
  assert.throws(
    () => toKnowledgeDocument('o', source({ documentId: 'x'.repeat(300) }), options),
    /longer than 256 bytes/,
  );
});

test('language tags are normalised to one spelling', () => {
  assert.equal(normalizeLanguageTag('EN-gb', 'x'), 'en-GB');
  assert.equal(normalizeLanguageTag('zh-hant-tw', 'x'), 'zh-Hant-TW');
  assert.equal(normalizeLanguageTag(' pt ', 'x'), 'pt');
});
