/**
 * int8 weights with one float scale per class: a quarter of the size of float32, and per-class scales keep
 * the resolution of classes whose weights are all small. Logits are compared within a row of classes, so the
 * rounding error (at most half a step per weight) barely moves the argmax.
 */

export interface QuantizedWeights {
  /** Feature-major, like the float weights. */
  readonly weights: Int8Array;
  /** Dequantised weight = weights[f * nClasses + c] * scales[c]. */
  readonly scales: Float32Array;
}

export function quantizePerClass(weights: Float64Array, nClasses: number): QuantizedWeights {
  const nFeatures = weights.length / nClasses;
  const maxAbs = new Float64Array(nClasses);
  for (let f = 0; f < nFeatures; f++) {
    for (let c = 0; c < nClasses; c++) {
      const a = Math.abs(weights[f * nClasses + c] as number);
      if (a > (maxAbs[c] as number)) maxAbs[c] = a;
    }
  }
  // Rounded to float32 first: the stored scale is what inference multiplies by.
  const scales = Float32Array.from(maxAbs, (m) => (m > 0 ? m / 127 : 1));
  const q = new Int8Array(weights.length);
  for (let f = 0; f < nFeatures; f++) {
    for (let c = 0; c < nClasses; c++) {
      const v = Math.round((weights[f * nClasses + c] as number) / (scales[c] as number));
      q[f * nClasses + c] = Math.max(-127, Math.min(127, v));
    }
  }
  return { weights: q, scales };
}
