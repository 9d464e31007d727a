/**
 * The shipped model's settings, chosen on a stratified 15% hold-out of BANKING77 with `evaluate.ts` (see
 * MODEL_CARD.md for the runs). Changing any of them changes the artefact and its version.
 */
import type { FeatureConfig } from './features.js';
import type { SgdOptions } from './softmax-regression.js';

export interface Hyperparameters {
  readonly features: FeatureConfig;
  /** Terms in fewer training texts than this are dropped from the vocabulary. */
  readonly minDf: number;
  readonly sgd: SgdOptions;
  readonly oosThreshold: number;
}

export const HYPERPARAMETERS: Hyperparameters = {
  features: { wordMaxN: 2, charMinN: 3, charMaxN: 5, collapseDigits: true },
  minDf: 2,
  sgd: { lambda: 1e-5, epochs: 40, eta0: 0.5, seed: 77 },
  oosThreshold: 0.3,
};
