/**
 * BM25 over one org's passages, in memory, kept up to date passage by passage. A passage's title and body are
 * scored as one field in which each title term counts `titleWeight` times (BM25F with two fields sharing one
 * length normalisation): titles name the topic in few words, so a title match says more than a body match.
 */

export interface Bm25Params {
  /** Term-frequency saturation: how much a second, third… occurrence still adds. */
  k1: number;
  /** Length normalisation: 0 ignores a passage's length, 1 divides fully by it relative to the average. */
  b: number;
  /** How many body occurrences one title occurrence is worth. */
  titleWeight: number;
}

export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.75, titleWeight: 2 };

export interface ScoredSlot {
  slot: number;
  score: number;
}

export class Bm25Index {
  /** term → slot → weighted term frequency. */
  private readonly postings = new Map<string, Map<number, number>>();
  /** Weighted length of each slot's passage; undefined for a free slot. */
  private readonly lengths: Array<number | undefined> = [];
  /** The distinct terms of each slot, to take it out of the postings again. */
  private readonly termsOf: Array<string[] | undefined> = [];
  private totalLength = 0;
  private count = 0;
  /** Reused between searches: scores by slot, and which slots the current search touched. */
  private scores = new Float64Array(0);

  constructor(readonly params: Bm25Params = DEFAULT_BM25) {}

  get size(): number {
    return this.count;
  }

  /** Indexes a passage under a slot not in use (remove it first to replace it). */
  add(slot: number, titleTerms: readonly string[], bodyTerms: readonly string[]): void {
    if (this.lengths[slot] !== undefined) throw new Error(`BM25 slot ${slot} is in use`);
    const tf = new Map<string, number>();
    for (const t of titleTerms) tf.set(t, (tf.get(t) ?? 0) + this.params.titleWeight);
    for (const t of bodyTerms) tf.set(t, (tf.get(t) ?? 0) + 1);
    const length = titleTerms.length * this.params.titleWeight + bodyTerms.length;
    for (const [term, f] of tf) {
      let list = this.postings.get(term);
      if (!list) this.postings.set(term, (list = new Map()));
      list.set(slot, f);
    }
    this.lengths[slot] = length;
    this.termsOf[slot] = [...tf.keys()];
    this.totalLength += length;
    this.count++;
  }

  remove(slot: number): boolean {
    const length = this.lengths[slot];
    if (length === undefined) return false;
    for (const term of this.termsOf[slot]!) {
      const list = this.postings.get(term)!;
      list.delete(slot);
      if (list.size === 0) this.postings.delete(term);
    }
    this.lengths[slot] = undefined;
    this.termsOf[slot] = undefined;
    this.totalLength -= length;
    this.count--;
    return true;
  }

  /** Inverse document frequency as Lucene computes it: never negative, even for a term in every passage. */
  private idf(df: number): number {
    return Math.log(1 + (this.count - df + 0.5) / (df + 0.5));
  }

  /**
   * The `limit` best passages `accept` lets through, best first (ties by slot, so results are stable). A term
   * repeated in the query counts as often as it is repeated.
   */
  search(queryTerms: readonly string[], accept: (slot: number) => boolean, limit: number): ScoredSlot[] {
    if (this.count === 0 || limit <= 0) return [];
    const weights = new Map<string, number>();
    for (const t of queryTerms) weights.set(t, (weights.get(t) ?? 0) + 1);
    if (this.scores.length < this.lengths.length) this.scores = new Float64Array(this.lengths.length * 2);
    const scores = this.scores;
    const touched: number[] = [];
    const { k1, b } = this.params;
    const avgLength = this.totalLength / this.count || 1;
    for (const [term, weight] of weights) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = this.idf(list.size) * weight;
      for (const [slot, f] of list) {
        if (scores[slot] === 0) {
          if (!accept(slot)) {
            // Marked so the filter runs once per slot; cleared with the others below.
            scores[slot] = -1;
            touched.push(slot);
            continue;
          }
          touched.push(slot);
        } else if (scores[slot]! < 0) {
          continue;
        }
        const norm = k1 * (1 - b + (b * this.lengths[slot]!) / avgLength);
        scores[slot]! += (idf * f * (k1 + 1)) / (f + norm);
      }
    }
    const hits: ScoredSlot[] = [];
    for (const slot of touched) {
      if (scores[slot]! > 0) hits.push({ slot, score: scores[slot]! });
      scores[slot] = 0;
    }
    hits.sort((x, y) => y.score - x.score || x.slot - y.slot);
    return hits.length > limit ? hits.slice(0, limit) : hits;
  }
}
