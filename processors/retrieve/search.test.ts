import type { Client } from '@elastic/elasticsearch';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildChunkQuery,
  createChunkSearch,
  createChunkSearchMany,
  MAX_SEARCHES_PER_REQUEST,
  languagesToTry,
  SearchItemError,
  toPassages,
} from './search.js';

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

type FakeSearch = { query: { bool: { filter: Array<{ term: Record<string, string> }> } }; size: number };

/**
 * A client answering `_msearch` from a table of language → hits, recording the languages it was asked for and
 * how many requests it got.
 */
function fakeClient(hitsByLanguage: Record<string, number>) {
  const asked: string[] = [];
  let requests = 0;
  const answer = (request: FakeSearch) => {
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
  };
  const client = {
    msearch: async ({ searches }: { searches: Array<FakeSearch | { index: string }> }) => {
      requests += 1;
      return { responses: searches.filter((_, i) => i % 2 === 1).map((s) => answer(s as FakeSearch)) };
    },
  };
  return { client: client as unknown as Client, asked, requests: () => requests };
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

test('a batch is one request per language round, answered in order', async () => {
  const { client, asked, requests } = fakeClient({ en: 2, es: 1 });
  const results = await createChunkSearchMany(client, { fallbackLanguages: ['en'] })([
    { orgId: 'o', language: 'es', query: 'reembolso', k: 3 },
    { orgId: 'o', language: 'fr', query: 'remboursement refund', k: 3 },
    { orgId: 'o', language: 'en', query: 'refund', k: 1 },
  ]);
  assert.equal(requests(), 2, 'the first round for all three, a second for the French one');
  assert.deepEqual(asked, ['es', 'fr', 'en', 'en']);
  assert.deepEqual(
    results.map((r) => (r instanceof Error ? r.message : [r.language, r.passages.length])),
    [
      ['es', 1],
      ['en', 2],
      ['en', 1],
    ],
  );
});

test('one refused search of a batch fails that request alone', async () => {
  const client = {
    msearch: async () => ({
      responses: [
        { status: 400, error: { type: 'query_shard_exception', reason: 'bad query' } },
        { hits: { hits: [] } },
      ],
    }),
  } as unknown as Client;
  const [refused, empty] = await createChunkSearchMany(client)([
    { orgId: 'o', language: 'en', query: 'refund', k: 3 },
    { orgId: 'o', language: 'en', query: 'card', k: 3 },
  ]);
  assert.ok(refused instanceof SearchItemError && refused.status === 400 && /bad query/.test(refused.message));
  assert.deepEqual(empty, { passages: [], language: null });
});

test('a missing index is an empty knowledge base; other errors propagate', async () => {
  const failing = (meta: unknown) =>
    ({
      msearch: async () => {
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

test('a large batch goes in requests of bounded size; one that fails fails its questions and the rest after it', async () => {
  const { client, requests } = fakeClient({ en: 1 });
  const questions = Array.from({ length: 2 * MAX_SEARCHES_PER_REQUEST + 50 }, (_, i) => ({
    orgId: 'o',
    language: 'en',
    query: `refund ${i}`,
    k: 1,
  }));
  const all = await createChunkSearchMany(client)(questions);
  assert.equal(requests(), 3);
  assert.ok(all.every((r) => !(r instanceof Error) && r.passages.length === 1));

  let calls = 0;
  const timeout = Object.assign(new Error('Request timed out'), { name: 'TimeoutError' });
  const flaky = {
    msearch: async (args: { searches: Array<FakeSearch | { index: string }> }) => {
      if (++calls === 2) throw timeout;
      return client.msearch(args as never);
    },
  } as unknown as Client;
  const partly = await createChunkSearchMany(flaky)(questions);
  assert.equal(calls, 2, 'no request after the one that failed');
  assert.ok(partly.slice(0, MAX_SEARCHES_PER_REQUEST).every((r) => !(r instanceof Error)));
  assert.ok(partly.slice(MAX_SEARCHES_PER_REQUEST).every((r) => r === timeout));
});
