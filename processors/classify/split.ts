/**
 * Stratified hold-out: each class keeps the same share in validation, so small classes (35 examples in
 * BANKING77) are still evaluated and macro-F1 is meaningful.
 */
import type { LabelledText } from './csv.js';
import { mulberry32, shuffle } from './prng.js';
import { compareCodeUnits } from './vectorizer.js';

export interface Split {
  train: LabelledText[];
  validation: LabelledText[];
}

export function stratifiedSplit(examples: readonly LabelledText[], fraction: number, seed: number): Split {
  const byClass = new Map<string, number[]>();
  examples.forEach((e, i) => {
    const list = byClass.get(e.label) ?? [];
    list.push(i);
    byClass.set(e.label, list);
  });
  const random = mulberry32(seed);
  const held = new Set<number>();
  for (const label of [...byClass.keys()].sort(compareCodeUnits)) {
    const indices = shuffle([...(byClass.get(label) as number[])], random);
    const n = Math.round(indices.length * fraction);
    for (const i of indices.slice(0, n)) held.add(i);
  }
  // Original order within each part: training order must not depend on the split's shuffle.
  const train: LabelledText[] = [];
  const validation: LabelledText[] = [];
  examples.forEach((e, i) => (held.has(i) ? validation : train).push(e));
  return { train, validation };
}
