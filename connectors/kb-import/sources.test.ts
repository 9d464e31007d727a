import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { documentIdFromPath, parseJsonLines, readSources, titleFromFileName } from './sources.js';

let root: string;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'kb-sources-'));
  await mkdir(path.join(root, 'Billing'));
  await mkdir(path.join(root, '.git'));
  await writeFile(path.join(root, 'Billing', 'Refund Policy.md'), '# Refunds\n\nText.');
  await writeFile(path.join(root, 'contact.html'), '<h1>Contact</h1>');
  await writeFile(path.join(root, 'notes.txt'), 'Plain.');
  await writeFile(path.join(root, 'image.png'), 'not an article');
  await writeFile(path.join(root, '.draft.md'), '# Hidden');
  await writeFile(path.join(root, '.git', 'HEAD.md'), '# Hidden too');
  await utimes(path.join(root, 'notes.txt'), new Date(1_700_000_000_000), new Date(1_700_000_123_456.7));
});
after(() => rm(root, { recursive: true, force: true }));

test('a folder: supported files, recursively, sorted, hidden ones skipped', async () => {
  const sources = await readSources(root);
  assert.deepEqual(
    sources.map((s) => [s.documentId, s.format, s.fallbackTitle]),
    [
      ['billing/refund-policy', 'markdown', 'Refund Policy'],
      ['contact', 'html', 'Contact'],
      ['notes', 'text', 'Notes'],
    ],
  );
  assert.equal(sources[2]!.updatedAt, 1_700_000_123_456);
  assert.equal(sources[0]!.content, '# Refunds\n\nText.');
});

test('two files mapping to one document id are refused', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'kb-dup-'));
  try {
    await writeFile(path.join(dir, 'faq.md'), '# A');
    await writeFile(path.join(dir, 'faq.html'), '<h1>B</h1>');
    await assert.rejects(readSources(dir), /both map to document id faq/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a single file, and an unsupported one', async () => {
  assert.deepEqual(
    (await readSources(path.join(root, 'notes.txt'))).map((s) => s.documentId),
    ['notes'],
  );
  await assert.rejects(readSources(path.join(root, 'image.png')), /not a Markdown, HTML, text or JSON-lines file/);
});

test('a JSON-lines file read from disk', async () => {
  const file = path.join(root, 'kb.jsonl');
  await writeFile(file, '{"id":"a","body":"# A"}\n\n{"id":"b","html":"<p>B</p>","language":"de","tags":["x"]}\n');
  const sources = await readSources(file);
  assert.deepEqual(
    sources.map((s) => [s.documentId, s.format, s.language, s.tags]),
    [
      ['a', 'markdown', undefined, undefined],
      ['b', 'html', 'de', ['x']],
    ],
  );
});

test('JSON lines: every field, and times as epoch ms or ISO 8601', () => {
  const [doc] = parseJsonLines(
    JSON.stringify({
      id: 'refunds',
      title: 'Refunds',
      language: 'en-GB',
      body: '# R',
      tags: ['billing'],
      url: 'https://h/r',
      version: 7,
      updatedAt: '2025-01-02T00:00:00Z',
    }),
    'kb.jsonl',
    5,
  );
  assert.deepEqual(doc, {
    documentId: 'refunds',
    format: 'markdown',
    content: '# R',
    fallbackTitle: 'refunds',
    updatedAt: Date.UTC(2025, 0, 2),
    title: 'Refunds',
    language: 'en-GB',
    tags: ['billing'],
    uri: 'https://h/r',
    version: 7,
  });
  assert.equal(parseJsonLines('{"id":"x","text":"t"}', 'f', 5.9)[0]!.updatedAt, 5);
});

test('JSON lines: errors name the line and the problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['{"id":"a","body":"x"}\nnot json', /f:2: not JSON/],
    ['[1]', /f:1: not an object/],
    ['{"body":"x"}', /f:1: id is required/],
    ['{"id":"a"}', /f:1: one of body, html or text is required/],
    ['{"id":"a","body":5}', /f:1: body must be a string/],
    ['{"id":"a","body":"x","tags":"t"}', /f:1: tags must be an array of strings/],
    ['{"id":"a","body":"x","version":-1}', /f:1: version must be a non-negative integer/],
    ['{"id":"a","body":"x","updatedAt":"soon"}', /f:1: updatedAt must be/],
    ['{"id":"a","body":"x"}\n{"id":"a","body":"y"}', /f:2: document id a appears twice/],
  ];
  for (const [content, error] of cases) assert.throws(() => parseJsonLines(content, 'f', 0), error, content);
});

test('document ids and titles from paths', () => {
  assert.equal(documentIdFromPath(path.join('Billing', 'Réfunds & Returns.md')), 'billing/refunds-returns');
  assert.equal(documentIdFromPath('--odd--.txt'), 'odd');
  assert.equal(titleFromFileName('lost-or_stolen-card.md'), 'Lost or stolen card');
});
