/**
 * The in-process hybrid index behind the retrieve stage's search contract (`ChunkSearchMany`), so the stage can
 * switch from Elasticsearch to it without changing: same requests, same passages, same language rule (the
 * question's own language first, then only the fallbacks named).
 */
import type { Passage } from '../../../schemas/index.js';
import { languagesToTry, type ChunkSearchMany, type SearchResult } from '../search.js';
import type { KnowledgeHit, RetrievalMode } from './knowledge-index.js';
import type { HybridRetriever } from './retriever.js';

export interface IndexedChunkSearchOptions {
  /** Languages to try, in order, when the question's own has no hit; none by default. */
  fallbackLanguages?: readonly string[];
  mode?: RetrievalMode;
}

export function toPassage(hit: KnowledgeHit): Passage {
  const { chunk } = hit;
  return {
    chunkId: chunk.chunkId,
    documentId: chunk.documentId,
    documentVersion: chunk.documentVersion,
    title: chunk.title,
    text: chunk.text,
    sourceUri: chunk.sourceUri,
    score: hit.score,
    rank: hit.rank,
  };
}

export function createIndexedChunkSearchMany(
  retriever: HybridRetriever,
  options: IndexedChunkSearchOptions = {},
): ChunkSearchMany {
  return async (requests) => {
    const mode = options.mode ?? 'hybrid';
    let embeddings: Array<Float32Array | null>;
    try {
      // One embedding per question serves every language it is tried in.
      embeddings = await retriever.embedQueries(requests.map((r) => ({ ...r, mode })));
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      return requests.map(() => failure);
    }
    return requests.map((request, i): SearchResult => {
      for (const language of languagesToTry(request.language, options.fallbackLanguages)) {
        const hits = retriever.knowledge.search(request.orgId, {
          text: request.query,
          embedding: embeddings[i]!,
          k: request.k,
          language,
          mode,
        });
        if (hits.length > 0) return { passages: hits.map(toPassage), language };
      }
      return { passages: [], language: null };
    });
  };
}
