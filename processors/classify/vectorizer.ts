/**
 * TF-IDF over a pruned vocabulary. The vocabulary (not hashing) keeps the artefact inspectable and free of
 * collisions; pruning rare terms keeps it small and drops terms seen too seldom to learn a weight for.
 */
import { forEachTerm, type FeatureConfig } from './features.js';

export interface Vocabulary {
  /** Sorted by code unit, so that the order (and the artefact) does not depend on insertion order or locale. */
  readonly terms: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** Float32 because that is what the artefact stores: training must see exactly the served values. */
  readonly idf: Float32Array;
}

/** A sparse row: strictly increasing feature indices and their values. */
export interface SparseVector {
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

export function buildVocabulary(texts: readonly string[], config: FeatureConfig, minDf: number): Vocabulary {
  const df = new Map<string, number>();
  for (const text of texts) {
    const seen = new Set<string>();
    forEachTerm(text, config, (term) => seen.add(term));
    for (const term of seen) df.set(term, (df.get(term) ?? 0) + 1);
  }
  const terms = [...df.keys()].filter((t) => (df.get(t) as number) >= minDf).sort(compareCodeUnits);
  return makeVocabulary(
    terms,
    // Smoothed idf, as if one extra document held every term: no zero division, no negative weights.
    Float32Array.from(terms, (t) => Math.log((1 + texts.length) / (1 + (df.get(t) as number))) + 1),
  );
}

export function makeVocabulary(terms: readonly string[], idf: Float32Array): Vocabulary {
  if (terms.length !== idf.length) throw new Error(`vocabulary has ${terms.length} terms but ${idf.length} idf`);
  const index = new Map<string, number>();
  terms.forEach((t, i) => index.set(t, i));
  if (index.size !== terms.length) throw new Error('vocabulary has duplicate terms');
  return { terms, index, idf };
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sublinear tf (1 + ln tf) times idf, L2-normalised: a long ticket that repeats a word should not outvote a
 * short one, and the norm keeps the logistic regression's step size independent of text length.
 */
export function vectorize(text: string, vocabulary: Vocabulary, config: FeatureConfig): SparseVector {
  const counts = new Map<number, number>();
  forEachTerm(text, config, (term) => {
    const i = vocabulary.index.get(term);
    if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
  });
  const indices = Int32Array.from(counts.keys()).sort();
  const values = new Float64Array(indices.length);
  let norm = 0;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    const v = (1 + Math.log(counts.get(i) as number)) * (vocabulary.idf[i] as number);
    values[k] = v;
    norm += v * v;
  }
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let k = 0; k < values.length; k++) values[k] = (values[k] as number) * inv;
  }
  return { indices, values };
}
