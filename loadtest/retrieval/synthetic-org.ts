/**
 * An org of many passages for timing the index, made from the FAQ set: each passage is a fresh mix of its
 * article's training utterances (so BM25 meets realistic postings), two passages per document (so answers
 * collapse passages into documents), and carries its article's real embedding moved by Gaussian noise to a
 * cosine of about 0.9 with it. Computing 10,000 real embeddings would take this machine minutes and change
 * nothing a flat index's timing depends on; quality is measured on the real set, not on this one.
 */
import { mulberry32 } from '../../processors/classify/prng.js';
import type { ChunkFields } from '../../processors/retrieve/chunk-index.js';

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

export function noisy(base: Float32Array, sigma: number, rand: () => number): Float32Array {
  const v = base.map((x) => x + sigma * gaussian(rand));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

export interface SyntheticPassage {
  chunk: ChunkFields;
  embedding: Float32Array;
}

export function syntheticOrg(
  articles: readonly ChunkFields[],
  embeddings: readonly Float32Array[],
  utterances: ReadonlyMap<string, readonly string[]>,
  count: number,
  seed = 7,
): SyntheticPassage[] {
  const rand = mulberry32(seed);
  // Noise per dimension for a cosine of about 0.9 with the base: 1 / sqrt(1 + sigma² · d) = 0.9.
  const sigma = Math.sqrt((1 / 0.81 - 1) / (embeddings[0]?.length ?? 384));
  return Array.from({ length: count }, (_, p) => {
    const a = p % articles.length;
    const article = articles[a]!;
    const pool = utterances.get(article.documentId) ?? [article.text];
    const picked = Array.from({ length: 5 }, () => pool[Math.floor(rand() * pool.length)]!);
    const documentId = `syn-${Math.floor(p / 2)}`;
    return {
      chunk: {
        ...article,
        chunkId: `${documentId}#${p % 2}`,
        documentId,
        chunkIndex: p % 2,
        chunkCount: 2,
        text: picked.join('\n'),
      },
      embedding: noisy(embeddings[a]!, sigma, rand),
    };
  });
}
