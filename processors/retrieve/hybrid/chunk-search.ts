/**
 * The in-process hybrid index behind the retrieve stage's search contract (`ChunkSearchMany`), so the stage can
 * switch from Elasticsearch to it without changing: same requests, same passages, same language rule (the
 * question's own language first, then only the fallbacks named).
 */
import type { Passage } from '../../../schemas/index.js';
import { languagesToTry, type ChunkSearchMany, type SearchResult } from '../search.js';
import type { EmbeddingBudget } from './embedding-budget.js';
import type { KnowledgeHit, RetrievalMode } from './knowledge-index.js';
import type { HybridRetriever } from './retriever.js';

export interface IndexedChunkSearchOptions {
  /** Languages to try, in order, when the question's own has no hit; none by default. */
  fallbackLanguages?: readonly string[];
  mode?: RetrievalMode;
  /**
   * Caps the model time spent embedding questions (embedding-budget.ts): in hybrid mode, the questions of a
   * batch past it are searched lexically, and their results say LEXICAL. Without one every question is embedded.
   */
  embeddingBudget?: EmbeddingBudget;
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
    const modes = modesWithin(retriever, requests, options.mode ?? 'hybrid', options.embeddingBudget);
    let embeddings: Array<Float32Array | null>;
    const started = performance.now();
    try {
      // One embedding per question serves every language it is tried in.
      embeddings = await retriever.embedQueries(requests.map((r, i) => ({ ...r, mode: modes[i] })));
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      return requests.map(() => failure);
    }
    options.embeddingBudget?.spent(embeddings.filter((e) => e !== null).length, performance.now() - started);
    return requests.map((request, i): SearchResult => {
      const mode = modes[i]!;
      const method = mode === 'lexical' ? 'LEXICAL' : mode === 'vector' ? 'VECTOR' : 'HYBRID';
      for (const language of languagesToTry(request.language, options.fallbackLanguages)) {
        const hits = retriever.knowledge.search(request.orgId, {
          text: request.query,
          embedding: embeddings[i]!,
          k: request.k,
          language,
          mode,
        });
        if (hits.length > 0) return { passages: hits.map(toPassage), language, method };
      }
      return { passages: [], language: null };
    });
  };
}

/**
 * Each request's mode: the one asked for, except that questions needing an embedding beyond what the budget
 * allows now are searched lexically (the first of the batch keep theirs).
 */
function modesWithin(
  retriever: HybridRetriever,
  requests: readonly { orgId: string }[],
  mode: RetrievalMode,
  budget: EmbeddingBudget | undefined,
): RetrievalMode[] {
  if (!budget || mode === 'lexical') return requests.map(() => mode);
  const needing = requests.filter((r) => (retriever.knowledge.org(r.orgId)?.size ?? 0) > 0).length;
  let allowed = budget.questions(needing);
  return requests.map((r) => {
    if ((retriever.knowledge.org(r.orgId)?.size ?? 0) === 0) return mode;
    return allowed-- > 0 ? mode : 'lexical';
  });
}
