import type { Client } from '@elastic/elasticsearch';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildChunkQuery, createChunkSearch, languagesToTry, toPassages } from './search.js';

test('the query filters on org and language and needs at least one matching term', () => {
  assert.deepEqual(buildChunkQuery('org-a', 'en-GB', 'Where are my refunds?'), {
    bool: {
      filter: [{ term: { org_id: 'org-a' } }, { term: { language_base: 'en' } }],
      should: [{ match: { body_terms: 'refund' } }, { match: { title_terms: { query: 'refund', boost: 2 } } }],
      minimum_should_match: 1,
    },
  });
});

test('a question without content terms builds no query', () => {
  assert.equal(buildChunkQuery('org-a', 'en', 'Hi! Can you help me?'), null);
});

test('languages: the question’s own first, fallbacks only when configured, und never', () => {
  assert.deepEqual(languagesToTry('es-MX'), ['es']);
  assert.deepEqual(languagesToTry('es-MX', ['en', 'es']), ['es', 'en']);
  assert.deepEqual(languagesToTry('und'), []);
  assert.deepEqual(languagesToTry('und', ['en']), ['en']);
});

test('hits become passages ranked from 1, with their scores', () => {
  const passages = toPassages([
    {
      _index: 'i',
      _id: 'org-a:doc#0',
      _score: 7.5,
      _source: {
        chunk_id: 'doc#0',
        document_id: 'doc',
        document_version: 3,
        title: 'T',
        text: 'x',
        source_uri: null,
      },
    },
    {
      _index: 'i',
      _id: 'org-a:doc#1',
      _score: 2,
      _source: {
        chunk_id: 'doc#1',
        document_id: 'doc',
        document_version: 3,
        title: 'T',
        text: 'y',
        source_uri: 'https://h/x',
      },
    },
  ]);
  assert.deepEqual(
    passages.map((p) => [p.chunkId, p.rank, p.score, p.sourceUri]),
    [
      ['doc#0', 1, 7.5, null],
      ['doc#1', 2, 2, 'https://h/x'],
    ],
  );
});

/** A client answering from a table of language → hits, recording the languages it was asked for. */
function fakeClient(hitsByLanguage: Record<string, number>) {
  const asked: string[] = [];
  const client = {
    search: async (request: { query: { bool: { filter: Array<{ term: Record<string, string> }> } }; size: number }) => {
      const language = request.query.bool.filter[1]!.term.language_base!;
      asked.push(language);
      const n = Math.min(hitsByLanguage[language] ?? 0, request.size);
      return {
        hits: {
          hits: Array.from({ length: n }, (_, i) => ({
            _index: 'i',
            _id: `x${i}`,
            _score: 10 - i,
            _source: {
              chunk_id: `${language}#${i}`,
              document_id: language,
              document_version: 1,
              title: 't',
              text: 't',
              source_uri: null,
            },
          })),
        },
      };
    },
  };
  return { client: client as unknown as Client, asked };
}

test('search stays in the question’s language when it has no hit there', async () => {
  const { client, asked } = fakeClient({ en: 3 });
  const result = await createChunkSearch(client)({ orgId: 'o', language: 'fr', query: 'remboursement carte', k: 5 });
  assert.deepEqual(result, { passages: [], language: null });
  assert.deepEqual(asked, ['fr']);
});

test('search falls back to configured languages in order and reports the one answered in', async () => {
  const { client, asked } = fakeClient({ en: 3 });
  const search = createChunkSearch(client, { fallbackLanguages: ['de', 'en'] });
  const result = await search({ orgId: 'o', language: 'fr-CA', query: 'remboursement refund', k: 2 });
  assert.deepEqual(asked, ['fr', 'de', 'en']);
  assert.equal(result.language, 'en');
  assert.deepEqual(
    result.passages.map((p) => p.chunkId),
    ['en#0', 'en#1'],
  );
});

test('a missing index is an empty knowledge base; other errors propagate', async () => {
  const failing = (meta: unknown) =>
    ({
      search: async () => {
        throw Object.assign(new Error('failed'), { meta });
      },
    }) as unknown as Client;
  const notFound = failing({ statusCode: 404, body: { error: { type: 'index_not_found_exception' } } });
  assert.deepEqual(await createChunkSearch(notFound)({ orgId: 'o', language: 'en', query: 'refund', k: 3 }), {
    passages: [],
    language: null,
  });
  const down = failing({ statusCode: 503, body: { error: { type: 'cluster_block_exception' } } });
  await assert.rejects(createChunkSearch(down)({ orgId: 'o', language: 'en', query: 'refund', k: 3 }), /failed/);
});
