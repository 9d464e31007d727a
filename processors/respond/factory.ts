/**
 * The respond stage's generator as configured (RESPOND_TIERS): the model tiers in order, the extractive generator
 * last. Kept apart from the stage so a decorator (an answer cache, say) can wrap what this returns.
 */
import type { Logger } from 'pino';
import type { RespondConfig } from '../../config/index.js';
import { fallbackChain, type FallbackChain } from './chain.js';
import { extractiveGenerator } from './extractive.js';
import { CloudModel } from './llm/cloud-model.js';
import { LocalModel } from './llm/local-model.js';
import { draftMetrics } from './metrics.js';
import { ModelTier } from './model-tier.js';

export function respondGenerator(config: RespondConfig, logger?: Logger): FallbackChain {
  const metrics = draftMetrics();
  const tiers = config.tiers.flatMap((name): ModelTier[] => {
    switch (name) {
      case 'local': {
        const { local } = config;
        const model = new LocalModel({ ...local, sequences: local.concurrency });
        return [new ModelTier('local', model, { ...local, metrics })];
      }
      case 'cloud': {
        const { cloud } = config;
        const model = new CloudModel({ ...cloud, baseUrl: cloud.baseUrl! });
        return [new ModelTier('cloud', model, { ...cloud, metrics })];
      }
      case 'extractive':
        return [];
    }
  });
  for (const tier of tiers) {
    // A model that cannot serve at start (a missing file, an endpoint away) starts with its breaker open: drafts
    // go to the next tier at once while it is probed.
    void tier.checkHealth().then((healthy) => {
      if (healthy) logger?.info({ tier: tier.name, model: tier.client.model }, 'draft tier ready');
      else logger?.warn({ tier: tier.name, reason: tier.breaker.describe() }, 'draft tier unavailable; passed over');
    });
    tier.breaker.watch((state) => logger?.info({ tier: tier.name, state }, 'draft tier breaker'));
  }
  return fallbackChain(tiers, extractiveGenerator(), metrics);
}
