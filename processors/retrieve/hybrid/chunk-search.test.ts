import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventCatalog } from '../../../schemas/index.js';
import { sampleEvents } from '../../../schemas/fixtures.js';
import { handleOne } from '../../testing/stage-harness.js';
import type { ChunkFields } from '../chunk-index.js';
import type { Embedder } from '../embeddings/embedder.js';
import type { SearchResult } from '../search.js';
import { retrieveStage } from '../stage.js';
import { createIndexedChunkSearchMany } from './chunk-search.js';
import { EmbeddingBudget } from './embedding-budget.js';
import { KnowledgeBase } from './knowledge-base.js';
import { HybridRetriever } from './retriever.js';

const DIM = 3;
const TOPICS = ['refund', 'card', 'password'];

/** Stands in for the model: a question's embedding is the axis of the first topic word it contains. */
class TopicEmbedder implements Embedder {
  readonly modelId = 'topic-axes';
  readonly dimension = DIM;
  calls: string[][] = [];
  embedQueries(texts: readonly string[]) {
    this.calls.push([...texts]);
    return Promise.resolve(texts.map((t) => this.vector(t)));
  }
  embedPassages(texts: readonly string[]) {
    return Promise.resolve(texts.map((t) => this.vector(t)));
  }
  close() {
    return Promise.resolve();
  }
  private vector(text: string) {
    const v = new Float32Array(DIM);
    const i = TOPICS.findIndex((w) => text.toLowerCase().includes(w));
    v[i < 0 ? 0 : i] = 1;
    return v;
  }
}

const axis = (i: number) => {
  const v = new Float32Array(DIM);
  v[i] = 1;
  return v;
};

function chunk(documentId: string, text: string, language = 'en'): ChunkFields {
  return {
    chunkId: `${documentId}#0`,
    documentId,
    documentVersion: 3,
    chunkIndex: 0,
    chunkCount: 1,
    updatedAt: 0,
    title: documentId,
    section: null,
    text,
    language,
    sourceUri: `https://help.example/${documentId}`,
    tags: [],
  };
}

async function setUp() {
  const embedder = new TopicEmbedder();
  const kb = new KnowledgeBase({ dimension: DIM });
  const passages = [
    chunk('refunds', 'A refund takes five days.'),
    chunk('cards', 'Freeze a lost card.'),
    chunk('tarjetas', 'Bloquea la tarjeta perdida.', 'es'),
  ];
  const vectors = await embedder.embedPassages(passages.map((p) => p.text));
  kb.apply(passages.map((p, i) => ({ kind: 'upsert' as const, orgId: 'acme', chunk: p, embedding: vectors[i]! })));
  return {
    embedder,
    search: createIndexedChunkSearchMany(new HybridRetriever(kb, embedder), { fallbackLanguages: ['en'] }),
  };
}

test('answers each request of a batch, in order, with passages shaped as the stage records them', async () => {
  const { embedder, search } = await setUp();
  const results = (await search([
    { orgId: 'acme', language: 'en', query: 'where is my refund', k: 2 },
    { orgId: 'acme', language: 'en-GB', query: 'I lost my card', k: 1 },
  ])) as SearchResult[];
  assert.equal(embedder.calls.length, 1, 'one model call for the whole batch');
  assert.equal(results[0]!.language, 'en');
  assert.deepEqual(results[0]!.passages[0], {
    chunkId: 'refunds#0',
    documentId: 'refunds',
    documentVersion: 3,
    title: 'refunds',
    text: 'A refund takes five days.',
    sourceUri: 'https://help.example/refunds',
    score: results[0]!.passages[0]!.score,
    rank: 1,
  });
  assert.ok(results[0]!.passages[0]!.score > 0);
  assert.deepEqual(
    results[1]!.passages.map((p) => [p.documentId, p.rank]),
    [['cards', 1]],
  );
});

test('the question’s own language first; a named fallback only when it finds nothing', async () => {
  const { search } = await setUp();
  const [es, de] = (await search([
    { orgId: 'acme', language: 'es', query: 'perdí mi tarjeta', k: 3 },
    { orgId: 'acme', language: 'de', query: 'Karte verloren card', k: 3 },
  ])) as SearchResult[];
  assert.equal(es!.language, 'es');
  assert.deepEqual(
    es!.passages.map((p) => p.documentId),
    ['tarjetas'],
  );
  assert.equal(de!.language, 'en');
  assert.equal(de!.passages[0]!.documentId, 'cards');
});

test('an org without a knowledge base gets no passage and costs no embedding', async () => {
  const { embedder, search } = await setUp();
  const [result] = await search([{ orgId: 'globex', language: 'en', query: 'refund', k: 3 }]);
  assert.deepEqual(result, { passages: [], language: null });
  assert.equal(embedder.calls.length, 0);
});

test('a failing model fails every request of the batch with its error, for the runtime to retry', async () => {
  const kb = new KnowledgeBase({ dimension: DIM });
  kb.apply([{ kind: 'upsert', orgId: 'acme', chunk: chunk('refunds', 'refund'), embedding: new Float32Array(DIM) }]);
  const broken = new TopicEmbedder();
  broken.embedQueries = () => Promise.reject(new Error('session lost'));
  const search = createIndexedChunkSearchMany(new HybridRetriever(kb, broken));
  const results = await search([
    { orgId: 'acme', language: 'en', query: 'refund', k: 1 },
    { orgId: 'acme', language: 'en', query: 'refund', k: 1 },
  ]);
  assert.ok(results.every((r) => r instanceof Error && r.message === 'session lost'));
});

test('lexical mode searches without the model', async () => {
  const kb = new KnowledgeBase({ dimension: DIM });
  kb.apply([{ kind: 'upsert', orgId: 'acme', chunk: chunk('refunds', 'refund'), embedding: null }]);
  const search = createIndexedChunkSearchMany(new HybridRetriever(kb, null), { mode: 'lexical' });
  const [result] = (await search([{ orgId: 'acme', language: 'en', query: 'refund', k: 1 }])) as SearchResult[];
  assert.equal(result!.passages[0]!.documentId, 'refunds');
});

test('the retrieve stage grounds an interaction from the in-process index through the adapter', async () => {
  const input = sampleEvents.InteractionClassified;
  const kb = new KnowledgeBase({ dimension: DIM });
  const refund = chunk('returns-and-refunds', 'A duplicate charge is refunded within 5 business days.');
  kb.apply([
    { kind: 'upsert', orgId: input.meta.orgId, chunk: refund, embedding: axis(0) },
    { kind: 'upsert', orgId: 'org-other', chunk: chunk('other-refunds', 'refund refund refund'), embedding: axis(0) },
  ]);
  const stage = retrieveStage({ search: createIndexedChunkSearchMany(new HybridRetriever(kb, new TopicEmbedder())) });
  const [out] = await handleOne(stage, input);
  eventCatalog().encode('InteractionGrounded', out!);
  assert.deepEqual(
    out!.grounding.passages.map((p) => [p.documentId, p.rank]),
    [['returns-and-refunds', 1]],
  );
});

test('past the embedding budget, a batch’s remaining questions are searched lexically and say so', async () => {
  const { embedder } = await setUp();
  const kb = new KnowledgeBase({ dimension: DIM });
  const others = ['Reset a password.', 'Freeze a lost card.', 'Change the address.', 'Close the account.'];
  kb.apply([
    { kind: 'upsert', orgId: 'acme', chunk: chunk('refunds', 'A refund takes five days.'), embedding: axis(0) },
    ...others.map((text, i) => ({
      kind: 'upsert' as const,
      orgId: 'acme',
      chunk: chunk(`doc-${i}`, text),
      embedding: axis(1),
    })),
  ]);
  let now = 0;
  const budget = new EmbeddingBudget({ share: 0.5, capacityMs: 20, initialMsPerQuestion: 10, now: () => now });
  const search = createIndexedChunkSearchMany(new HybridRetriever(kb, embedder), { embeddingBudget: budget });
  const ask = (query: string) => ({ orgId: 'acme', language: 'en', query, k: 3 });
  const results = (await search([
    ask('refund please'),
    ask('my refund'),
    ask('refund now'),
    ask('refund?'),
  ])) as SearchResult[];
  assert.deepEqual(
    results.map((r) => r.method),
    ['HYBRID', 'HYBRID', 'LEXICAL', 'LEXICAL'],
  );
  assert.deepEqual(embedder.calls.at(-1), ['refund please', 'my refund']);
  for (const r of results) assert.equal(r.passages[0]?.documentId, 'refunds', 'every question still grounded');
  assert.ok(results[2]!.passages[0]!.score > 1, 'a lexical result keeps its BM25 score, as respond reads LEXICAL');
  now = 1000;
  const later = (await search([ask('refund')])) as SearchResult[];
  assert.equal(later[0]!.method, 'HYBRID', 'the bucket refilled');
});
