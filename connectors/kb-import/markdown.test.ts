import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstHeading, parseFrontMatter, parseList } from './markdown.js';

test('front matter: flat key-value lines, quotes removed, keys lower-cased', () => {
  const { fields, body } = parseFrontMatter(
    '\uFEFF---\r\nTitle: "Refunds: how"\r\nlanguage: es\r\ntags: [billing, orders]\r\n---\r\n# Body\r\n',
  );
  assert.deepEqual(fields, { title: 'Refunds: how', language: 'es', tags: '[billing, orders]' });
  assert.equal(body, '# Body\n');
});

test('no front matter: the whole text is the body', () => {
  assert.deepEqual(parseFrontMatter('# Title\n---\nnot front matter'), {
    fields: {},
    body: '# Title\n---\nnot front matter',
  });
});

test('lists in either notation', () => {
  assert.deepEqual(parseList('[a, "b c", ]'), ['a', 'b c']);
  assert.deepEqual(parseList('a,b'), ['a', 'b']);
  assert.deepEqual(parseList(undefined), []);
});

test('the first heading: ATX or setext, never inside code', () => {
  assert.equal(firstHeading('intro\n\n## Shipping times ##\n# Later'), 'Shipping times');
  assert.equal(firstHeading('```\n# not a heading\n```\nReal title\n=========='), 'Real title');
  assert.equal(firstHeading('no heading here'), null);
});
