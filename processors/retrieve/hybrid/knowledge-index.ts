/**
 * One org's knowledge base, held in the retrieve process: its passages, a BM25 index and a FAISS vector index
 * over them, kept current passage by passage as chunk changes arrive, and searched synchronously (the
 * question's embedding, when wanted, is computed before). Every org has its own, so a search can only ever
 * see the passages of the org it was asked for.
 */
import type { ChunkFields } from '../chunk-index.js';
import { baseLanguage, contentTerms } from '../terms.js';
import { Bm25Index, DEFAULT_BM25, type Bm25Params } from './bm25.js';
import { DEFAULT_FUSION, fuseDocuments, type FusionParams, type RankedPassage } from './fusion.js';
import { FlatVectorIndex } from './vector-index.js';

export type RetrievalMode = 'hybrid' | 'lexical' | 'vector';

export interface KnowledgeQuery {
  /** The question as asked. */
  text: string;
  /** The question's embedding (`Embedder.embedQueries`); null searches lexically only. */
  embedding: Float32Array | null;
  /** Documents to return at most, each once. */
  k: number;
  /**
   * BCP 47 tag: only passages in this primary language are searched, and the question's terms are folded as
   * this language's. Absent: every language, terms folded without a stop list.
   */
  language?: string;
  /** Only passages carrying every one of these tags. */
  tags?: readonly string[];
  /** Both lists fused (the default), or one alone: for evaluation and for a model that is not loaded. */
  mode?: RetrievalMode;
}

export interface KnowledgeHit {
  chunk: ChunkFields;
  /** Fused score in hybrid mode (a sum of 1/(k + rank)); the BM25 score or the cosine in a single mode. */
  score: number;
  /** Place in the answer, from 1. */
  rank: number;
  /** The document's place in the lexical and vector lists, from 1; null when a list did not have it. */
  lexicalRank: number | null;
  vectorRank: number | null;
}

export interface KnowledgeIndexOptions {
  /** Length of the embeddings given to `upsert`. */
  dimension: number;
  bm25?: Bm25Params;
  fusion?: FusionParams;
  /** Passages each list contributes to fusion; deeper lists find more documents for more cost. */
  candidates?: number;
}

export type UpsertOutcome = 'added' | 'replaced' | 'stale';

interface DocumentState {
  version: number;
  chunkIds: Set<string>;
}

export class KnowledgeIndex {
  private readonly bm25: Bm25Index;
  private readonly vectors: FlatVectorIndex;
  private readonly fusion: FusionParams;
  private readonly candidates: number;
  private readonly chunks: Array<ChunkFields | undefined> = [];
  private readonly languages: string[] = [];
  private readonly freeSlots: number[] = [];
  private readonly slotOf = new Map<string, number>();
  private readonly documents = new Map<string, DocumentState>();

  constructor(options: KnowledgeIndexOptions) {
    this.bm25 = new Bm25Index(options.bm25 ?? DEFAULT_BM25);
    this.vectors = new FlatVectorIndex(options.dimension);
    this.fusion = options.fusion ?? DEFAULT_FUSION;
    this.candidates = options.candidates ?? 100;
  }

  /** Passages held. */
  get size(): number {
    return this.slotOf.size;
  }

  get documentCount(): number {
    return this.documents.size;
  }

  get(chunkId: string): ChunkFields | undefined {
    const slot = this.slotOf.get(chunkId);
    return slot === undefined ? undefined : this.chunks[slot];
  }

  /**
   * Adds a passage or replaces the one with its chunk id. A passage of an older document version than the one
   * held is stale and ignored (changes of one document may arrive out of order across chunk keys); the first
   * passage of a newer version drops the old version's passages its chunk count leaves out. Without an
   * embedding, the passage is found by BM25 only.
   */
  upsert(chunk: ChunkFields, embedding: Float32Array | null): UpsertOutcome {
    const doc = this.documents.get(chunk.documentId);
    if (doc && chunk.documentVersion < doc.version) return 'stale';
    if (embedding && embedding.length !== this.vectors.dimension) {
      throw new RangeError(
        `embedding of ${embedding.length} dimensions given to an index of ${this.vectors.dimension}`,
      );
    }
    if (doc && chunk.documentVersion > doc.version) {
      for (const chunkId of [...doc.chunkIds]) {
        if (this.get(chunkId)!.chunkIndex >= chunk.chunkCount) this.remove(chunkId);
      }
    }
    const replaced = this.removeSlot(chunk.chunkId);
    const slot = this.freeSlots.pop() ?? this.chunks.length;
    this.chunks[slot] = chunk;
    this.languages[slot] = baseLanguage(chunk.language);
    this.slotOf.set(chunk.chunkId, slot);
    this.bm25.add(slot, contentTerms(chunk.title, chunk.language), contentTerms(bodyText(chunk), chunk.language));
    if (embedding) this.vectors.add(slot, embedding);
    const state = this.documents.get(chunk.documentId) ?? { version: chunk.documentVersion, chunkIds: new Set() };
    state.version = Math.max(state.version, chunk.documentVersion);
    state.chunkIds.add(chunk.chunkId);
    this.documents.set(chunk.documentId, state);
    return replaced ? 'replaced' : 'added';
  }

  /** Removes a passage (a tombstone or a `deleted` chunk); false when it was not held. */
  remove(chunkId: string): boolean {
    const chunk = this.get(chunkId);
    if (!chunk || !this.removeSlot(chunkId)) return false;
    const doc = this.documents.get(chunk.documentId)!;
    doc.chunkIds.delete(chunkId);
    // A document with no passage left is forgotten whole, so a later re-import may start its versions anew.
    if (doc.chunkIds.size === 0) this.documents.delete(chunk.documentId);
    return true;
  }

  /** Applies buffered vector changes now rather than at the next search. */
  flush(): void {
    this.vectors.flush();
  }

  search(query: KnowledgeQuery): KnowledgeHit[] {
    const mode = query.mode ?? 'hybrid';
    if (query.k <= 0 || this.size === 0) return [];
    const accept = this.filter(query);
    const depth = Math.max(this.candidates, query.k * 4);
    const ranked = (hits: ReadonlyArray<{ slot: number }>): RankedPassage[] =>
      hits.map(({ slot }) => ({ slot, documentId: this.chunks[slot]!.documentId }));

    const lexical =
      mode === 'vector' ? [] : this.bm25.search(contentTerms(query.text, query.language ?? 'und'), accept, depth);
    const vector = mode === 'lexical' || !query.embedding ? [] : this.vectors.search(query.embedding, accept, depth);

    const weights = [this.fusion.lexicalWeight, this.fusion.vectorWeight];
    const fused = fuseDocuments([ranked(lexical), ranked(vector)], weights, this.fusion.k);
    // A single list keeps its own scores, which mean something on their own (a cosine, a BM25 score).
    const rawScore = new Map<number, number>();
    if (mode !== 'hybrid') for (const hit of mode === 'lexical' ? lexical : vector) rawScore.set(hit.slot, hit.score);
    return fused.slice(0, query.k).map((doc, i) => ({
      chunk: this.chunks[doc.slot]!,
      score: mode === 'hybrid' ? doc.score : rawScore.get(doc.slot)!,
      rank: i + 1,
      lexicalRank: doc.ranks[0]!,
      vectorRank: doc.ranks[1]!,
    }));
  }

  private filter(query: KnowledgeQuery): (slot: number) => boolean {
    const language = query.language === undefined ? null : baseLanguage(query.language);
    const tags = query.tags ?? [];
    if (language === null && tags.length === 0) return () => true;
    return (slot) =>
      (language === null || this.languages[slot] === language) &&
      tags.every((tag) => this.chunks[slot]!.tags.includes(tag));
  }

  private removeSlot(chunkId: string): boolean {
    const slot = this.slotOf.get(chunkId);
    if (slot === undefined) return false;
    this.bm25.remove(slot);
    this.vectors.remove(slot);
    this.chunks[slot] = undefined;
    this.slotOf.delete(chunkId);
    this.freeSlots.push(slot);
    return true;
  }
}

/** The body BM25 matches: the section's heading path, then the text. */
function bodyText(chunk: ChunkFields): string {
  return chunk.section ? `${chunk.section}\n${chunk.text}` : chunk.text;
}
