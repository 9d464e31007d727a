import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Bm25Index } from './bm25.js';
import { fuseDocuments } from './fusion.js';

test('RRF: a document scores the sum of weight / (k + its rank in each list)', () => {
  const lexical = [
    { slot: 1, documentId: 'a' },
    { slot: 2, documentId: 'a' },
    { slot: 3, documentId: 'b' },
  ];
  const vector = [
    { slot: 3, documentId: 'b' },
    { slot: 4, documentId: 'c' },
  ];
  const fused = fuseDocuments([lexical, vector], [1, 2], 10);
  // a: rank 1 lexically (its second passage does not count again); b: rank 2 lexically, 1 by vector; c: 2 by vector.
  assert.deepEqual(
    fused.map((d) => [d.documentId, +d.score.toFixed(6), d.ranks]),
    [
      ['b', +(1 / 12 + 2 / 11).toFixed(6), [2, 1]],
      ['c', +(2 / 12).toFixed(6), [null, 2]],
      ['a', +(1 / 11).toFixed(6), [1, null]],
    ],
  );
  assert.equal(fused.find((d) => d.documentId === 'a')!.slot, 1);
});

test("RRF: a document's passage is the one both lists place best together", () => {
  const fused = fuseDocuments(
    [
      [
        { slot: 1, documentId: 'a' },
        { slot: 2, documentId: 'a' },
      ],
      [{ slot: 2, documentId: 'a' }],
    ],
    [1, 1],
    60,
  );
  assert.equal(fused[0]!.slot, 2);
});

test('BM25: rarer terms weigh more, repeated terms saturate, longer passages are normalised', () => {
  const bm25 = new Bm25Index({ k1: 1.2, b: 0.75, titleWeight: 2 });
  bm25.add(0, [], ['refund', 'card']);
  bm25.add(1, [], ['card', 'card', 'card', 'card']);
  bm25.add(2, [], ['card', 'limit']);
  const all = () => true;
  // "refund" is in one passage, "card" in all three: the rare term decides.
  assert.equal(bm25.search(['card', 'refund'], all, 3)[0]!.slot, 0);
  const card = bm25.search(['card'], all, 3);
  assert.equal(card[0]!.slot, 1);
  assert.ok(card[0]!.score < 2 * card[1]!.score, 'four occurrences are worth less than twice one');
  assert.deepEqual(
    bm25.search(['card'], (slot) => slot !== 1, 3).map((h) => h.slot),
    [0, 2],
  );
  assert.ok(bm25.remove(0));
  assert.deepEqual(bm25.search(['refund'], all, 3), []);
  assert.equal(bm25.size, 2);
});
