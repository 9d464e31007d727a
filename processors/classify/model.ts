/**
 * Intent inference over the shipped artefact. The file is read and decoded once per process; a
 * classification is then a TF-IDF vector of a few hundred terms and an int8 sparse-dense product.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeArtefact, modelVersionOf, type ClassifierArtefact } from './artefact.js';
import type { FeatureConfig } from './features.js';
import { softmaxInPlace } from './softmax-regression.js';
import { makeVocabulary, vectorize, type Vocabulary } from './vectorizer.js';

export const DEFAULT_MODEL_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'model', 'banking77-lr.bin');

/** Enrich's own bar for a detection it trusts over the channel's locale (enrich/language.ts). */
const CONFIDENT_LANGUAGE = 0.6;

export interface RankedIntent {
  intent: string;
  confidence: number;
}

export interface Classification {
  intent: string;
  /** Softmax probability of `intent`, in [0, 1]. */
  confidence: number;
  /** The three most probable intents, best first; `ranked[0]` is `intent`. */
  ranked: RankedIntent[];
  /**
   * True when `confidence` is below the model's calibrated threshold, or when the best class is the one the
   * model learned from out-of-scope examples: likely none of the intents the model knows.
   */
  outOfScope: boolean;
  modelVersion: string;
}

export class IntentModel {
  readonly modelVersion: string;
  readonly classes: readonly string[];
  readonly oosThreshold: number;
  readonly oosLabel: string | undefined;
  /** The languages it was trained on; English for models that predate the header's field (all were). */
  readonly languages: readonly string[];
  private readonly features: FeatureConfig;
  private readonly vocabulary: Vocabulary;
  private readonly weights: Int8Array;
  private readonly scales: Float32Array;
  private readonly bias: Float32Array;
  /** Reused across calls: classify is synchronous, so no two calls share it at once. */
  private readonly acc: Float64Array;

  constructor(
    private readonly artefact: ClassifierArtefact,
    modelVersion: string,
    oosThreshold = artefact.header.oosThreshold,
  ) {
    this.modelVersion = modelVersion;
    this.classes = artefact.header.classes;
    this.oosThreshold = oosThreshold;
    this.oosLabel = artefact.header.oosLabel;
    this.languages = artefact.header.languages ?? ['en'];
    this.features = artefact.header.features;
    this.vocabulary = makeVocabulary(artefact.terms, artefact.idf);
    this.weights = artefact.weights;
    this.scales = artefact.scales;
    this.bias = artefact.bias;
    this.acc = new Float64Array(this.classes.length);
  }

  /** The same model with another out-of-scope threshold, sharing the weights. */
  withThreshold(oosThreshold: number): IntentModel {
    return new IntentModel(this.artefact, this.modelVersion, oosThreshold);
  }

  static fromBytes(bytes: Uint8Array): IntentModel {
    const artefact = decodeArtefact(bytes);
    return new IntentModel(artefact, modelVersionOf(artefact.header.name, bytes));
  }

  static load(file: string = DEFAULT_MODEL_PATH): IntentModel {
    const bytes = readFileSync(file);
    try {
      return IntentModel.fromBytes(bytes);
    } catch (error) {
      throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Whether the model can read a message in `language` (a primary subtag, as enrich detects it). Only a
   * language told with confidence counts against it: an undetermined or weakly guessed one is given the
   * benefit of the doubt, since sending every short English message to a person would be the worse mistake.
   */
  reads(language: string, confidence: number): boolean {
    if (language === 'und' || !(confidence >= CONFIDENT_LANGUAGE)) return true;
    return this.languages.includes(language.split('-')[0]!.toLowerCase());
  }

  /** All class probabilities, in `classes` order. */
  probabilities(text: string): Float64Array {
    const { indices, values } = vectorize(text, this.vocabulary, this.features);
    const n = this.classes.length;
    const acc = this.acc;
    acc.fill(0);
    const w = this.weights;
    for (let k = 0; k < indices.length; k++) {
      const base = (indices[k] as number) * n;
      const xv = values[k] as number;
      for (let c = 0; c < n; c++) acc[c] = (acc[c] as number) + xv * (w[base + c] as number);
    }
    const p = new Float64Array(n);
    for (let c = 0; c < n; c++) p[c] = (acc[c] as number) * (this.scales[c] as number) + (this.bias[c] as number);
    softmaxInPlace(p);
    return p;
  }

  classify(text: string): Classification {
    const p = this.probabilities(text);
    const ranked = topK(p, 3).map((c) => ({ intent: this.classes[c] as string, confidence: p[c] as number }));
    const best = ranked[0] as RankedIntent;
    return {
      intent: best.intent,
      confidence: best.confidence,
      ranked,
      outOfScope: best.confidence < this.oosThreshold || best.intent === this.oosLabel,
      modelVersion: this.modelVersion,
    };
  }
}

/** Indices of the k largest values, largest first; ties go to the lower index, so results are stable. */
export function topK(values: Float64Array, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (best.length === k && v <= (values[best[k - 1] as number] as number)) continue;
    let at = best.length;
    while (at > 0 && v > (values[best[at - 1] as number] as number)) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

let shared: IntentModel | undefined;

/** The shipped model, loaded on first use and kept for the life of the process. */
export function defaultModel(): IntentModel {
  shared ??= IntentModel.load();
  return shared;
}

export function classify(text: string): Classification {
  return defaultModel().classify(text);
}
