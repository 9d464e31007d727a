/**
 * The out-of-scope threshold, calibrated on held-out rows the model was not trained on.
 *
 * Rule: the highest threshold at which at most `targetFalseOosRate` of the held-out in-scope rows are flagged
 * out of scope, counting both those whose best class is the out-of-scope class and those below the threshold.
 * Out-of-scope recall only grows with the threshold, so this is also the threshold of best out-of-scope recall
 * within that budget of wrongly refused customers. When the out-of-scope class alone already spends the
 * budget, the threshold is 0 (the class decides alone).
 */

export interface HeldOutScore {
  /** Top-class probability. */
  readonly confidence: number;
  /** The best class is the out-of-scope one. */
  readonly predictedOos: boolean;
}

export const DEFAULT_TARGET_FALSE_OOS_RATE = 0.05;

export function calibrateThreshold(inScope: readonly HeldOutScore[], targetFalseOosRate: number): number {
  if (inScope.length === 0) throw new Error('no held-out in-scope rows to calibrate on');
  const budget = Math.floor(targetFalseOosRate * inScope.length) - inScope.filter((s) => s.predictedOos).length;
  if (budget <= 0) return 0;
  const confidences = inScope
    .filter((s) => !s.predictedOos)
    .map((s) => s.confidence)
    .sort((a, b) => a - b);
  if (budget >= confidences.length) return confidences[confidences.length - 1] as number;
  // Rows strictly below confidences[budget] are at most `budget`, ties included.
  return confidences[budget] as number;
}
