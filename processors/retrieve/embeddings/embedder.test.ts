import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../../config/index.js';
import { meanPool, OnnxEmbedder, passageEmbeddingText } from './embedder.js';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

test('mean pooling averages only the tokens the mask keeps, then scales to unit length', () => {
  // Two texts of two tokens in 2 dimensions; the second text's second token is padding.
  const hidden = Float32Array.from([1, 0, 0, 1, 3, 4, 100, 100]);
  const [a, b] = meanPool(hidden, [1, 1, 1, 0], 2, 2, 2);
  assert.deepEqual(
    Array.from(a!).map((x) => +x.toFixed(6)),
    [0.707107, 0.707107],
  );
  assert.deepEqual(
    Array.from(b!).map((x) => +x.toFixed(6)),
    [0.6, 0.8],
  );
});

test('a passage is embedded from its title, section and text, empty parts left out', () => {
  assert.equal(
    passageEmbeddingText({ title: 'Refunds', section: null, text: 'Within 30 days.' }),
    'Refunds\nWithin 30 days.',
  );
  assert.equal(
    passageEmbeddingText({ title: 'Cards', section: 'Lost', text: 'Freeze it.' }),
    'Cards\nLost\nFreeze it.',
  );
});

describe('e5-small-v2 through ONNX Runtime', () => {
  let embedder: OnnxEmbedder;
  before(async () => {
    embedder = await OnnxEmbedder.load(loadConfig().retrieval.embeddingModelDir);
  });
  after(() => embedder.close());

  test('embeddings have 384 dimensions and unit length', async () => {
    const [v] = await embedder.embedQueries(['how do I reset my password?']);
    assert.equal(v!.length, 384);
    assert.ok(Math.abs(dot(v!, v!) - 1) < 1e-4);
  });

  test('a question lands nearer the passage answering it than unrelated passages', async () => {
    const passages = await embedder.embedPassages([
      'Resetting your password\nSelect Forgot password on the sign-in page and follow the link we email you.',
      'Shipping times\nStandard delivery takes three to five working days.',
      'Lost or stolen card\nFreeze your card in the app under Cards, then order a replacement.',
    ]);
    const [q1, q2] = await embedder.embedQueries([
      "I can't log in, I forgot my login credentials",
      'my wallet was stolen with my card in it',
    ]);
    const s1 = passages.map((p) => dot(q1!, p));
    const s2 = passages.map((p) => dot(q2!, p));
    assert.ok(s1[0]! > Math.max(s1[1]!, s1[2]!), `password question: ${s1.join(', ')}`);
    assert.ok(s2[2]! > Math.max(s2[0]!, s2[1]!), `stolen card question: ${s2.join(', ')}`);
  });

  test('paraphrases score above unrelated text', async () => {
    const [a, b, c] = await embedder.embedQueries([
      'How long does it take to get a refund?',
      'When will I receive my money back?',
      'What is the weather like in Madrid tomorrow?',
    ]);
    assert.ok(dot(a!, b!) > dot(a!, c!) + 0.05, `paraphrase ${dot(a!, b!)} vs unrelated ${dot(a!, c!)}`);
  });

  const texts = ['short', 'a much longer text that needs many more tokens than the first one does', 'mid length text'];

  test('texts embedded together get, in their order, the embeddings they get alone', async () => {
    const together = await embedder.embedPassages(texts);
    for (const [i, text] of texts.entries()) {
      const [alone] = await embedder.embedPassages([text]);
      assert.deepEqual(alone, together[i], `text ${i}`);
    }
  });

  test('in batches, padding is masked out: each text stays within quantization noise of itself alone', async () => {
    const batched = await OnnxEmbedder.load(loadConfig().retrieval.embeddingModelDir, { batchSize: 3 });
    try {
      const together = await batched.embedPassages(texts);
      const alone = await embedder.embedPassages(texts);
      for (const i of texts.keys()) assert.ok(dot(alone[i]!, together[i]!) > 0.99, `text ${i}`);
    } finally {
      await batched.close();
    }
  });

  test('a text longer than the model takes is cut, not refused', async () => {
    const [v] = await embedder.embedPassages(['refund '.repeat(2000)]);
    assert.equal(v!.length, 384);
  });
});
