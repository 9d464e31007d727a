/** Document-level retrieval quality: is the one right document among the first k, and how high. */

export interface QualityMetrics {
  questions: number;
  recallAt1: number;
  recallAt5: number;
  /** Mean reciprocal rank of the right document within the ranking given (0 when it is absent). */
  mrr: number;
}

/** `rankings[i]` is the document ids returned for question i, best first; `answers[i]` its right document. */
export function qualityOf(rankings: ReadonlyArray<readonly string[]>, answers: readonly string[]): QualityMetrics {
  let at1 = 0;
  let at5 = 0;
  let reciprocal = 0;
  rankings.forEach((ranking, i) => {
    const rank = ranking.indexOf(answers[i]!) + 1;
    if (rank === 1) at1++;
    if (rank >= 1 && rank <= 5) at5++;
    if (rank >= 1) reciprocal += 1 / rank;
  });
  const n = Math.max(rankings.length, 1);
  return { questions: rankings.length, recallAt1: at1 / n, recallAt5: at5 / n, mrr: reciprocal / n };
}
