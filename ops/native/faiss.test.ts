/**
 * Checks the faiss-node addon that ops/native/build-faiss.mjs builds against Debian's libfaiss: exact results
 * of the flat indexes against a brute-force computation, persistence, and an HNSW index from the factory.
 */
import { mulberry32 } from '../../processors/classify/prng.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import faiss from 'faiss-node';

const DIM = 64;
const COUNT = 300;
const K = 5;

function randomUnitVectors(n: number, dim: number, seed: number): number[][] {
  // Seeded, so that a failure reproduces with the same vectors.
  const rand = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const v = Array.from({ length: dim }, () => rand() * 2 - 1);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}

const vectors = randomUnitVectors(COUNT, DIM, 20240611);
const flat = vectors.flat();

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const sqL2 = (a: number[], b: number[]) => a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0);

/** Labels of the k best vectors by brute force; `better` says whether score a beats score b. */
function bruteForce(query: number[], score: (a: number[], b: number[]) => number, higherIsBetter: boolean) {
  return vectors
    .map((v, label) => ({ label, s: score(query, v) }))
    .sort((a, b) => (higherIsBetter ? b.s - a.s : a.s - b.s))
    .slice(0, K);
}

// Spread over the set rather than clustered at one end, and at least 20 of them: faiss switches flat search
// from its own loops to BLAS sgemm at 20 queries per call, so a batch this size exercises the BLAS link too.
const queryLabels = Array.from({ length: 25 }, (_, i) => (i * 37 + 11) % COUNT);

const tmp = mkdtempSync(path.join(os.tmpdir(), 'faiss-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('IndexFlatIP', () => {
  const index = new faiss.IndexFlatIP(DIM);
  index.add(flat);

  test('holds every vector it was given', () => {
    assert.equal(index.ntotal(), COUNT);
    assert.equal(index.getDimension(), DIM);
    assert.equal(index.isTrained(), true);
  });

  test('a stored vector finds itself first with score 1, and the top 5 match brute force', () => {
    const query = vectors[137]!;
    const { labels, distances } = index.search(query, K);
    assert.equal(labels.length, K);
    assert.equal(labels[0], 137);
    assert.ok(Math.abs(distances[0]! - 1) < 1e-5, `self score ${distances[0]}`);
    const expected = bruteForce(query, dot, true);
    assert.deepEqual(
      labels,
      expected.map((e) => e.label),
    );
    expected.forEach((e, i) => assert.ok(Math.abs(distances[i]! - e.s) < 1e-4, `rank ${i}: ${distances[i]} vs ${e.s}`));
    for (let i = 1; i < K; i++) assert.ok(distances[i - 1]! >= distances[i]!, 'scores must not increase');
  });

  test('a batch of 25 queries (the BLAS path) returns each query first', () => {
    const batch = queryLabels.flatMap((l) => vectors[l]!);
    const { labels, distances } = index.search(batch, K);
    assert.equal(labels.length, queryLabels.length * K);
    queryLabels.forEach((l, q) => {
      assert.equal(labels[q * K], l, `query ${q}`);
      assert.ok(Math.abs(distances[q * K]! - 1) < 1e-4, `query ${q} self score ${distances[q * K]}`);
      assert.deepEqual(
        labels.slice(q * K, (q + 1) * K),
        bruteForce(vectors[l]!, dot, true).map((e) => e.label),
        `query ${q}`,
      );
    });
  });

  test('survives write/read through a file and toBuffer/fromBuffer', () => {
    const file = path.join(tmp, 'flat-ip.index');
    index.write(file);
    const fromFile = faiss.IndexFlatIP.read(file);
    const fromBuffer = faiss.IndexFlatIP.fromBuffer(index.toBuffer());
    const query = vectors[42]!;
    const want = index.search(query, K);
    for (const copy of [fromFile, fromBuffer]) {
      assert.equal(copy.ntotal(), COUNT);
      assert.equal(copy.getDimension(), DIM);
      assert.deepEqual(copy.search(query, K), want);
    }
  });

  test('rejects malformed input with an exception rather than crashing', () => {
    assert.throws(() => index.search([1, 2, 3], 1), /array length/);
    assert.throws(() => index.search(vectors[0]!, COUNT + 1), /ntotal/);
  });
});

describe('IndexFlatL2', () => {
  const index = new faiss.IndexFlatL2(DIM);
  index.add(flat);

  test('a stored vector is at distance 0 from itself, and the top 5 match brute force', () => {
    assert.equal(index.ntotal(), COUNT);
    const query = vectors[42]!;
    const { labels, distances } = index.search(query, K);
    assert.equal(labels[0], 42);
    assert.ok(Math.abs(distances[0]!) < 1e-5, `self distance ${distances[0]}`);
    const expected = bruteForce(query, sqL2, false);
    assert.deepEqual(
      labels,
      expected.map((e) => e.label),
    );
    expected.forEach((e, i) => assert.ok(Math.abs(distances[i]! - e.s) < 1e-4, `rank ${i}`));
  });

  test('removeIds drops vectors from the results', () => {
    const copy = faiss.IndexFlatL2.fromBuffer(index.toBuffer());
    assert.equal(copy.removeIds([42]), 1);
    assert.equal(copy.ntotal(), COUNT - 1);
    // Flat indexes renumber after a removal, so check by distance: nothing is at 0 any more.
    assert.ok(copy.search(vectors[42]!, 1).distances[0]! > 1e-3);
  });
});

describe('HNSW32 from the index factory', () => {
  for (const [name, metric] of [
    ['L2', faiss.MetricType.METRIC_L2],
    ['inner product', faiss.MetricType.METRIC_INNER_PRODUCT],
  ] as const) {
    test(`${name}: each query finds itself first, and recall@5 is high`, () => {
      const index = faiss.Index.fromFactory(DIM, 'HNSW32', metric);
      assert.equal(index.isTrained(), true);
      index.add(flat);
      assert.equal(index.ntotal(), COUNT);
      const { labels } = index.search(
        queryLabels.flatMap((l) => vectors[l]!),
        K,
      );
      let hits = 0;
      queryLabels.forEach((l, q) => {
        const got = labels.slice(q * K, (q + 1) * K);
        assert.equal(got[0], l, `query ${q}`);
        // On unit vectors, inner product and L2 rank the same, so one brute-force truth serves both.
        const truth = new Set(bruteForce(vectors[l]!, dot, true).map((e) => e.label));
        hits += got.filter((x) => truth.has(x)).length;
      });
      const recall = hits / (queryLabels.length * K);
      assert.ok(recall >= 0.9, `recall@5 ${recall}`);
    });
  }

  test('a factory index round-trips through a file', () => {
    const index = faiss.Index.fromFactory(DIM, 'HNSW32', faiss.MetricType.METRIC_L2);
    index.add(flat);
    const file = path.join(tmp, 'hnsw.index');
    index.write(file);
    const back = faiss.Index.read(file);
    assert.equal(back.ntotal(), COUNT);
    assert.deepEqual(back.search(vectors[7]!, K), index.search(vectors[7]!, K));
  });

  test('an unknown factory string throws', () => {
    assert.throws(() => faiss.Index.fromFactory(DIM, 'NoSuchIndex'));
  });
});
