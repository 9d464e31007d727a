/**
 * Multinomial logistic regression trained by plain per-example SGD with L2 regularisation.
 *
 * Per-example SGD touches only the ~200 non-zero features of a ticket, so an epoch over BANKING77 costs a
 * fraction of a second on one core. The L2 shrink is applied to every weight at every step through a shared
 * scale factor (Bottou's trick) instead of a dense pass. The step size decays as 1/(1 + eta0*lambda*t), the
 * schedule for which SGD on a strongly convex objective converges.
 */
import { mulberry32, shuffle } from './prng.js';
import type { SparseVector } from './vectorizer.js';

export interface SgdOptions {
  /** L2 strength of the per-example objective: mean log-loss + lambda/2 * ||W||^2. */
  readonly lambda: number;
  readonly epochs: number;
  readonly eta0: number;
  readonly seed: number;
}

export interface LinearModel {
  readonly nFeatures: number;
  readonly nClasses: number;
  /** Feature-major: the nClasses weights of one feature are contiguous, as a sparse row reads them. */
  readonly weights: Float64Array;
  readonly bias: Float64Array;
}

export interface EpochReport {
  epoch: number;
  /** Regularised objective on the training rows, after the epoch. */
  objective: number;
}

export function trainSoftmaxRegression(
  rows: readonly SparseVector[],
  labels: Int32Array,
  nFeatures: number,
  nClasses: number,
  options: SgdOptions,
  onEpoch?: (report: EpochReport) => void,
): LinearModel {
  if (rows.length !== labels.length) throw new Error('rows and labels differ in length');
  const { lambda, eta0 } = options;
  const w = new Float64Array(nFeatures * nClasses);
  const bias = new Float64Array(nClasses);
  const scores = new Float64Array(nClasses);
  const random = mulberry32(options.seed);
  const order = Array.from(rows.keys());
  // The true weights are scale * w; shrinking scale is the L2 step for every weight at once.
  let scale = 1;
  let t = 0;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    shuffle(order, random);
    for (const r of order) {
      const row = rows[r] as SparseVector;
      const y = labels[r] as number;
      const eta = eta0 / (1 + eta0 * lambda * t);
      t++;
      computeScores(row, w, scale, bias, nClasses, scores);
      softmaxInPlace(scores);
      // scores now hold p; the gradient of the log-loss wrt the logits is p - onehot(y).
      scores[y] = (scores[y] as number) - 1;
      scale *= 1 - eta * lambda;
      const step = eta / scale;
      const { indices, values } = row;
      for (let k = 0; k < indices.length; k++) {
        const base = (indices[k] as number) * nClasses;
        const xv = (values[k] as number) * step;
        for (let c = 0; c < nClasses; c++) w[base + c] = (w[base + c] as number) - xv * (scores[c] as number);
      }
      for (let c = 0; c < nClasses; c++) bias[c] = (bias[c] as number) - eta * (scores[c] as number);
      if (scale < 1e-6) {
        for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) * scale;
        scale = 1;
      }
    }
    if (onEpoch) onEpoch({ epoch, objective: objective(rows, labels, w, scale, bias, nClasses, lambda) });
  }
  for (let i = 0; i < w.length; i++) w[i] = (w[i] as number) * scale;
  return { nFeatures, nClasses, weights: w, bias };
}

function computeScores(
  row: SparseVector,
  w: Float64Array,
  scale: number,
  bias: Float64Array,
  nClasses: number,
  out: Float64Array,
): void {
  out.fill(0);
  const { indices, values } = row;
  for (let k = 0; k < indices.length; k++) {
    const base = (indices[k] as number) * nClasses;
    const xv = values[k] as number;
    for (let c = 0; c < nClasses; c++) out[c] = (out[c] as number) + xv * (w[base + c] as number);
  }
  for (let c = 0; c < nClasses; c++) out[c] = (out[c] as number) * scale + (bias[c] as number);
}

/** Numerically stable softmax: subtracting the max keeps exp from overflowing. */
export function softmaxInPlace(scores: Float64Array): void {
  let max = -Infinity;
  for (let c = 0; c < scores.length; c++) if ((scores[c] as number) > max) max = scores[c] as number;
  let sum = 0;
  for (let c = 0; c < scores.length; c++) {
    const e = Math.exp((scores[c] as number) - max);
    scores[c] = e;
    sum += e;
  }
  for (let c = 0; c < scores.length; c++) scores[c] = (scores[c] as number) / sum;
}

function objective(
  rows: readonly SparseVector[],
  labels: Int32Array,
  w: Float64Array,
  scale: number,
  bias: Float64Array,
  nClasses: number,
  lambda: number,
): number {
  const scores = new Float64Array(nClasses);
  let loss = 0;
  rows.forEach((row, r) => {
    computeScores(row, w, scale, bias, nClasses, scores);
    softmaxInPlace(scores);
    loss -= Math.log(Math.max(scores[labels[r] as number] as number, 1e-300));
  });
  let sq = 0;
  for (let i = 0; i < w.length; i++) sq += (w[i] as number) * (w[i] as number);
  return loss / rows.length + (lambda / 2) * scale * scale * sq;
}
