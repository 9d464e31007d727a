/**
 * Exact nearest-neighbour search over one org's passage embeddings with a FAISS inner-product flat index (the
 * embeddings are unit length, so the inner product is the cosine). It needs no training and serves removals.
 * Its scan of 10,000 × 384 floats costs about 4.5 ms of CPU here, because Debian's libfaiss is a generic x86-64
 * build (no AVX2); approximate layouts did not pay (see the README's retrieval benchmark).
 *
 * FAISS labels a flat index's vectors by position, and removing one shifts every later position down, so
 * changes are buffered and applied in one go before the next search: a batch of knowledge-base changes costs
 * one compaction, not one per passage.
 */
import faiss from 'faiss-node';
import type { ScoredSlot } from './bm25.js';

export class FlatVectorIndex {
  private index: faiss.IndexFlatIP;
  /** The slot of each vector FAISS holds, by position. */
  private slots: number[] = [];
  /** Position of each slot's vector in FAISS, or in `pendingAdds` (offset by `slots.length`). */
  private readonly positionOf = new Map<number, number>();
  private pendingRemovals = new Set<number>();
  private pendingAdds: Array<{ slot: number; vector: Float32Array }> = [];

  constructor(readonly dimension: number) {
    this.index = new faiss.IndexFlatIP(dimension);
  }

  get size(): number {
    return this.positionOf.size;
  }

  add(slot: number, vector: Float32Array): void {
    if (vector.length !== this.dimension) {
      throw new RangeError(`embedding of ${vector.length} dimensions given to an index of ${this.dimension}`);
    }
    if (this.positionOf.has(slot)) throw new Error(`vector slot ${slot} is in use`);
    this.positionOf.set(slot, this.slots.length + this.pendingAdds.length);
    this.pendingAdds.push({ slot, vector });
  }

  remove(slot: number): boolean {
    const position = this.positionOf.get(slot);
    if (position === undefined) return false;
    this.positionOf.delete(slot);
    if (position >= this.slots.length) {
      // Never reached FAISS: drop it from the buffer and renumber what follows it there.
      const at = position - this.slots.length;
      this.pendingAdds.splice(at, 1);
      for (let i = at; i < this.pendingAdds.length; i++)
        this.positionOf.set(this.pendingAdds[i]!.slot, this.slots.length + i);
    } else {
      this.pendingRemovals.add(position);
    }
    return true;
  }

  /** Applies buffered changes to FAISS; searches call it, a loader may call it to pay the cost up front. */
  flush(): void {
    if (this.pendingRemovals.size > 0) {
      const removed = this.pendingRemovals;
      this.pendingRemovals = new Set();
      if (removed.size === this.slots.length) {
        this.index = new faiss.IndexFlatIP(this.dimension);
      } else {
        this.index.removeIds([...removed]);
      }
      const kept = this.slots.filter((_, position) => !removed.has(position));
      this.slots = kept;
      kept.forEach((slot, position) => this.positionOf.set(slot, position));
      // Buffered additions follow the compacted vectors.
      this.pendingAdds.forEach(({ slot }, i) => this.positionOf.set(slot, kept.length + i));
    }
    if (this.pendingAdds.length > 0) {
      const flat = new Array<number>(this.pendingAdds.length * this.dimension);
      this.pendingAdds.forEach(({ vector }, i) => {
        for (let d = 0; d < this.dimension; d++) flat[i * this.dimension + d] = vector[d]!;
      });
      this.index.add(flat);
      for (const { slot } of this.pendingAdds) this.slots.push(slot);
      this.pendingAdds = [];
    }
  }

  /**
   * The `limit` nearest passages that `accept` lets through, nearest first. FAISS cannot filter, so the search
   * asks for more neighbours, four times as many each round, until enough pass or every vector was seen.
   */
  search(query: Float32Array, accept: (slot: number) => boolean, limit: number): ScoredSlot[] {
    this.flush();
    const total = this.slots.length;
    if (total === 0 || limit <= 0) return [];
    const q = Array.from(query);
    let want = Math.min(total, Math.max(limit * 2, 32));
    for (;;) {
      const { labels, distances } = this.index.search(q, want);
      const hits: ScoredSlot[] = [];
      for (let i = 0; i < labels.length && hits.length < limit; i++) {
        const label = labels[i]!;
        if (label < 0) break;
        const slot = this.slots[label]!;
        if (accept(slot)) hits.push({ slot, score: distances[i]! });
      }
      if (hits.length >= limit || want === total) return hits;
      want = Math.min(total, want * 4);
    }
  }
}
