/** Classification and out-of-scope metrics, computed the standard way so numbers compare with the literature. */

export interface ClassificationMetrics {
  accuracy: number;
  /** Unweighted mean of per-class F1 over the classes that occur in the gold labels. */
  macroF1: number;
  n: number;
}

export function classificationMetrics(gold: readonly string[], predicted: readonly string[]): ClassificationMetrics {
  if (gold.length !== predicted.length) throw new Error('gold and predicted differ in length');
  const tp = new Map<string, number>();
  const goldCount = new Map<string, number>();
  const predCount = new Map<string, number>();
  let correct = 0;
  gold.forEach((g, i) => {
    const p = predicted[i] as string;
    goldCount.set(g, (goldCount.get(g) ?? 0) + 1);
    predCount.set(p, (predCount.get(p) ?? 0) + 1);
    if (g === p) {
      correct++;
      tp.set(g, (tp.get(g) ?? 0) + 1);
    }
  });
  let f1Sum = 0;
  for (const [label, g] of goldCount) {
    const t = tp.get(label) ?? 0;
    const p = predCount.get(label) ?? 0;
    f1Sum += t === 0 ? 0 : (2 * t) / (g + p);
  }
  return {
    accuracy: gold.length ? correct / gold.length : 0,
    macroF1: goldCount.size ? f1Sum / goldCount.size : 0,
    n: gold.length,
  };
}

export interface OosMetrics {
  threshold: number;
  /** Share of out-of-scope texts whose confidence is below the threshold. */
  oosRecall: number;
  /** Share of in-scope texts wrongly flagged out of scope. */
  inScopeFalseOosRate: number;
}

export function oosMetrics(inScope: readonly number[], outOfScope: readonly number[], threshold: number): OosMetrics {
  const below = (xs: readonly number[]) => xs.filter((x) => x < threshold).length / Math.max(xs.length, 1);
  return { threshold, oosRecall: below(outOfScope), inScopeFalseOosRate: below(inScope) };
}
