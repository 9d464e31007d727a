/**
 * Hybrid retrieval as callers ask for it: a question in words, answered from one org's in-process index after
 * one embedding of the question (a batch of questions shares one call to the model).
 */
import type { Embedder } from '../embeddings/embedder.js';
import type { KnowledgeBase } from './knowledge-base.js';
import type { KnowledgeHit, RetrievalMode } from './knowledge-index.js';

export interface RetrievalRequest {
  orgId: string;
  query: string;
  k: number;
  language?: string;
  tags?: readonly string[];
  mode?: RetrievalMode;
}

export class HybridRetriever {
  /** Without an embedder every search is lexical. */
  constructor(
    readonly knowledge: KnowledgeBase,
    private readonly embedder: Embedder | null,
  ) {}

  async search(request: RetrievalRequest): Promise<KnowledgeHit[]> {
    const [hits] = await this.searchMany([request]);
    return hits!;
  }

  /** Answers in the requests' order. */
  async searchMany(requests: readonly RetrievalRequest[]): Promise<KnowledgeHit[][]> {
    const embeddings = await this.embedQueries(requests);
    return requests.map((request, i) =>
      this.knowledge.search(request.orgId, {
        text: request.query,
        embedding: embeddings[i] ?? null,
        k: request.k,
        language: request.language,
        tags: request.tags,
        mode: request.mode,
      }),
    );
  }

  /**
   * The embedding of each question that needs one; none for a lexical search or an org without passages, so
   * those cost no model time.
   */
  async embedQueries(requests: readonly RetrievalRequest[]): Promise<Array<Float32Array | null>> {
    const wanted = requests.flatMap((r, i) =>
      this.embedder && r.mode !== 'lexical' && (this.knowledge.org(r.orgId)?.size ?? 0) > 0 ? [i] : [],
    );
    const out: Array<Float32Array | null> = requests.map(() => null);
    if (wanted.length === 0) return out;
    const vectors = await this.embedder!.embedQueries(wanted.map((i) => requests[i]!.query));
    wanted.forEach((at, k) => (out[at] = vectors[k]!));
    return out;
  }
}
