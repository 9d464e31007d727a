import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChunkFields } from '../chunk-index.js';
import { KnowledgeBase } from './knowledge-base.js';
import { KnowledgeIndex } from './knowledge-index.js';

const DIM = 4;

/** A unit vector mostly along one axis, so which passage is nearest is obvious by construction. */
function axis(i: number, tilt = 0): Float32Array {
  const v = new Float32Array(DIM).fill(tilt);
  v[i] = 1;
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function chunk(documentId: string, chunkIndex: number, text: string, more: Partial<ChunkFields> = {}): ChunkFields {
  return {
    chunkId: `${documentId}#${chunkIndex}`,
    documentId,
    documentVersion: 1,
    chunkIndex,
    chunkCount: 1,
    updatedAt: 0,
    title: documentId,
    section: null,
    text,
    language: 'en',
    sourceUri: null,
    tags: [],
    ...more,
  };
}

const ids = (hits: ReadonlyArray<{ chunk: ChunkFields }>) => hits.map((h) => h.chunk.chunkId);

describe('KnowledgeIndex: lexical', () => {
  const index = new KnowledgeIndex({ dimension: DIM });
  index.upsert(chunk('refunds', 0, 'Refunds reach your card within five working days.'), null);
  index.upsert(chunk('shipping', 0, 'Parcels ship within two days; a refund of shipping is possible.'), null);
  index.upsert(chunk('cards', 0, 'Freeze a lost card in the app.', { title: 'Lost card' }), null);

  test('ranks the passage matching the most informative terms first, plurals folded', () => {
    const hits = index.search({ text: 'When do I get my refund?', embedding: null, k: 3, language: 'en' });
    assert.deepEqual(ids(hits), ['refunds#0', 'shipping#0']);
    assert.ok(hits[0]!.score > hits[1]!.score);
    assert.equal(hits[0]!.lexicalRank, 1);
    assert.equal(hits[0]!.vectorRank, null);
  });

  test('a title match outweighs the same word in a body', () => {
    const hits = index.search({ text: 'lost', embedding: null, k: 3, language: 'en' });
    assert.equal(hits[0]!.chunk.chunkId, 'cards#0');
  });

  test('a question of stop words only finds nothing', () => {
    assert.deepEqual(index.search({ text: 'how can I do this?', embedding: null, k: 3, language: 'en' }), []);
  });
});

describe('KnowledgeIndex: upserts, versions and removals', () => {
  test('a replaced passage is found by its new text and vector only', () => {
    const index = new KnowledgeIndex({ dimension: DIM });
    index.upsert(chunk('a', 0, 'password reset'), axis(0));
    assert.equal(index.upsert(chunk('a', 0, 'parcel tracking', { documentVersion: 2 }), axis(1)), 'replaced');
    assert.deepEqual(index.search({ text: 'password', embedding: null, k: 5 }), []);
    assert.deepEqual(ids(index.search({ text: 'tracking', embedding: null, k: 5 })), ['a#0']);
    const [hit] = index.search({ text: '', embedding: axis(1), k: 5, mode: 'vector' });
    assert.equal(hit!.chunk.text, 'parcel tracking');
    assert.ok(Math.abs(hit!.score - 1) < 1e-5);
    assert.equal(index.size, 1);
  });

  test("a newer version drops the old version's surplus passages; an older version is ignored", () => {
    const index = new KnowledgeIndex({ dimension: DIM });
    for (let i = 0; i < 3; i++) index.upsert(chunk('doc', i, `part ${i} alpha`, { chunkCount: 3 }), axis(i));
    assert.equal(index.size, 3);
    index.upsert(chunk('doc', 0, 'rewritten alpha', { documentVersion: 2, chunkCount: 2 }), axis(0));
    assert.deepEqual(
      [...['doc#0', 'doc#1', 'doc#2']].map((id) => index.get(id)?.documentVersion),
      [2, 1, undefined],
    );
    assert.equal(index.upsert(chunk('doc', 2, 'late old part', { chunkCount: 3 }), axis(2)), 'stale');
    assert.equal(index.get('doc#2'), undefined);
  });

  test('after removals in the middle, every remaining vector is still found as itself', () => {
    const index = new KnowledgeIndex({ dimension: DIM });
    const vectors = Array.from({ length: 8 }, (_, i) => axis(i % DIM, i * 0.01));
    vectors.forEach((v, i) => index.upsert(chunk(`d${i}`, 0, `text ${i}`), v));
    index.search({ text: '', embedding: vectors[0]!, k: 1, mode: 'vector' }); // vectors now in FAISS
    assert.ok(index.remove('d2#0'));
    assert.ok(index.remove('d5#0'));
    assert.equal(index.remove('d5#0'), false);
    index.upsert(chunk('d9', 0, 'text 9'), axis(3, 0.5)); // reuses a freed slot
    for (const i of [0, 1, 3, 4, 6, 7]) {
      const hits = index.search({ text: '', embedding: vectors[i]!, k: 8, mode: 'vector' });
      assert.equal(hits[0]!.chunk.chunkId, `d${i}#0`, `vector ${i}`);
      assert.ok(!ids(hits).includes('d2#0') && !ids(hits).includes('d5#0'));
    }
    assert.equal(index.search({ text: '', embedding: axis(3, 0.5), k: 1, mode: 'vector' })[0]!.chunk.chunkId, 'd9#0');
    assert.equal(index.size, 7);
  });
});

describe('KnowledgeIndex: filters, distinct documents, fusion', () => {
  const index = new KnowledgeIndex({ dimension: DIM, candidates: 10 });
  index.upsert(chunk('refund-en', 0, 'refund policy', { chunkCount: 2, tags: ['billing', 'web'] }), axis(0));
  index.upsert(chunk('refund-en', 1, 'refund timing', { chunkCount: 2, tags: ['billing', 'web'] }), axis(0, 0.1));
  index.upsert(chunk('refund-es', 0, 'reembolso refund', { language: 'es-ES', tags: ['billing'] }), axis(0));
  index.upsert(chunk('fees', 0, 'refund of fees', { tags: ['billing'] }), axis(2));
  index.upsert(chunk('semantic', 0, 'money back guarantee'), axis(0, 0.05));

  test('only passages in the question’s primary language, en-GB finding en', () => {
    const hits = index.search({ text: 'refund', embedding: axis(0), k: 10, language: 'en-GB' });
    assert.ok(hits.every((h) => h.chunk.language.startsWith('en')));
    const es = index.search({ text: 'reembolso', embedding: axis(0), k: 10, language: 'es' });
    assert.deepEqual(ids(es), ['refund-es#0']);
  });

  test('only passages carrying every tag asked for', () => {
    const hits = index.search({ text: 'refund', embedding: axis(0), k: 10, language: 'en', tags: ['billing', 'web'] });
    assert.deepEqual([...new Set(hits.map((h) => h.chunk.documentId))], ['refund-en']);
  });

  test('at most k hits, each from another document, ranked from 1', () => {
    const hits = index.search({ text: 'refund', embedding: axis(0), k: 2, language: 'en' });
    assert.equal(hits.length, 2);
    assert.equal(new Set(hits.map((h) => h.chunk.documentId)).size, 2);
    assert.deepEqual(
      hits.map((h) => h.rank),
      [1, 2],
    );
    assert.equal(hits[0]!.chunk.documentId, 'refund-en');
  });

  test('hybrid finds what only one list has, and ranks agreement of both lists first', () => {
    const hits = index.search({ text: 'refund', embedding: axis(0), k: 5, language: 'en' });
    assert.equal(hits[0]!.chunk.documentId, 'refund-en');
    assert.deepEqual([hits[0]!.lexicalRank, hits[0]!.vectorRank], [1, 1]);
    const semantic = hits.find((h) => h.chunk.documentId === 'semantic')!;
    assert.equal(semantic.lexicalRank, null);
    assert.ok(semantic.vectorRank !== null);
    assert.ok(hits.some((h) => h.chunk.documentId === 'fees'));
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.score >= hits[i]!.score);
  });

  test('vector mode scores by cosine, lexical mode by BM25', () => {
    const [v] = index.search({ text: 'refund', embedding: axis(0), k: 1, language: 'en', mode: 'vector' });
    assert.ok(Math.abs(v!.score - 1) < 1e-5);
    const [l] = index.search({ text: 'refund', embedding: axis(0), k: 1, language: 'en', mode: 'lexical' });
    assert.ok(l!.score > 0 && l!.vectorRank === null);
  });
});

describe('KnowledgeBase: one index per org', () => {
  test("an org never sees another org's passages, even for the very same text", () => {
    const kb = new KnowledgeBase({ dimension: DIM });
    const summary = kb.apply([
      { kind: 'upsert', orgId: 'acme', chunk: chunk('secret', 0, 'acme merger plans'), embedding: axis(0) },
      { kind: 'upsert', orgId: 'globex', chunk: chunk('public', 0, 'opening hours'), embedding: axis(1) },
    ]);
    assert.deepEqual(summary, { added: 2, replaced: 0, removed: 0, ignored: 0 });
    const hits = kb.search('globex', { text: 'acme merger plans', embedding: axis(0), k: 5 });
    assert.deepEqual(ids(hits), ['public#0']);
    assert.deepEqual(kb.search('initech', { text: 'acme merger plans', embedding: axis(0), k: 5 }), []);
  });

  test('a tombstone removes the passage; the last one removes the org', () => {
    const kb = new KnowledgeBase({ dimension: DIM });
    kb.apply([{ kind: 'upsert', orgId: 'acme', chunk: chunk('a', 0, 'alpha'), embedding: axis(0) }]);
    const summary = kb.apply([
      { kind: 'remove', orgId: 'acme', chunkId: 'a#0' },
      { kind: 'remove', orgId: 'acme', chunkId: 'a#0' },
    ]);
    assert.deepEqual(summary, { added: 0, replaced: 0, removed: 1, ignored: 1 });
    assert.equal(kb.org('acme'), undefined);
    assert.deepEqual(kb.search('acme', { text: 'alpha', embedding: axis(0), k: 5 }), []);
  });
});
