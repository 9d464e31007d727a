/**
 * The respond stage's fallback chain: model tiers tried in order (e.g. cloud, then local), the extractive
 * generator last. A tier that is saturated, open, slow, failing, or whose answer the grounding guard rejects
 * hands the draft to the next at once; the extractive tier always answers (with the holding reply when nothing
 * retrieved addresses the question). The draft records every attempt: which tier answered, why the others did
 * not, latency and tokens.
 */
import type { Draft, DraftAttempt } from '../../schemas/index.js';
import type { DraftGenerator, DraftRequest } from './generator.js';
import { draftMetrics, recordAttempt, type DraftMetrics } from './metrics.js';
import type { ModelTier } from './model-tier.js';

export interface FallbackChain extends DraftGenerator {
  readonly tiers: readonly ModelTier[];
  close(): Promise<void>;
}

export function fallbackChain(
  tiers: readonly ModelTier[],
  last: DraftGenerator,
  metrics: DraftMetrics = draftMetrics(),
): FallbackChain {
  return {
    name: tiers.length === 0 ? last.name : `chain(${[...tiers.map((t) => t.name), last.name].join(',')})`,
    tiers,
    async draft(request: DraftRequest): Promise<Draft> {
      const attempts: DraftAttempt[] = [];
      // With nothing retrieved there is nothing to ground a model's answer in: the last tier holds.
      if (request.passages.length > 0) {
        for (const tier of tiers) {
          const { draft, attempt } = await tier.attempt(request);
          recordAttempt(metrics, attempt);
          attempts.push(attempt);
          if (draft) return { ...draft, attempts };
        }
      }
      const started = performance.now();
      const draft = await last.draft(request);
      const attempt: DraftAttempt = {
        tier: last.name,
        model: draft.generator.model,
        outcome: 'ANSWERED',
        reason: null,
        latencyMs: Math.round(performance.now() - started),
        promptTokens: 0,
        completionTokens: 0,
      };
      recordAttempt(metrics, attempt);
      return { ...draft, attempts: [...attempts, attempt] };
    },
    async close() {
      await Promise.all(tiers.map((t) => t.close()));
    },
  };
}
