/**
 * A passage's embedding as it travels on the chunks topic (KnowledgeChunk.embedding): float32 values,
 * little-endian, under the id of the model that computed them. The chunk stage embeds each passage version once;
 * every reader (each retrieve instance, the query API, the CLI) rebuilds its vector index from these bytes and
 * never runs the model over passages.
 */
import type { PassageEmbedding } from '../../../schemas/index.js';

export function encodePassageEmbedding(model: string, vector: Float32Array): PassageEmbedding {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i]!, i * 4);
  return { model, vector: bytes };
}

/**
 * The vector, when it was computed by `model` with `dimension` values; null otherwise. A vector of another model
 * lives in another space: comparing a question embedded by this one with it would rank nonsense, so such a
 * passage is found lexically until the chunk stage embeds it again.
 */
export function decodePassageEmbedding(
  embedding: PassageEmbedding | null | undefined,
  model: string,
  dimension: number,
): Float32Array | null {
  if (!embedding || embedding.model !== model || embedding.vector.length !== dimension * 4) return null;
  const out = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) out[i] = embedding.vector.readFloatLE(i * 4);
  return out;
}
