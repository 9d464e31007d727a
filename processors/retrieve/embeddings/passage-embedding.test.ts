import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePassageEmbedding, encodePassageEmbedding } from './passage-embedding.js';

test('an embedding travels as little-endian float32 bytes and comes back exactly', () => {
  const vector = Float32Array.from([0.5, -0.25, 1e-7, 0.8660254]);
  const carried = encodePassageEmbedding('e5', vector);
  assert.equal(carried.vector.length, 16);
  assert.equal(carried.vector.readFloatLE(4), -0.25);
  assert.deepEqual(decodePassageEmbedding(carried, 'e5', 4), vector);
});

test('a vector of another model, of another length, or none, is not used', () => {
  const carried = encodePassageEmbedding('e5', Float32Array.from([1, 0, 0, 0]));
  assert.equal(decodePassageEmbedding(carried, 'other-model', 4), null);
  assert.equal(decodePassageEmbedding(carried, 'e5', 3), null);
  assert.equal(decodePassageEmbedding(null, 'e5', 4), null);
});
