/**
 * Every processor ticketflow runs, by the name the topology gives its node: how to build its handler from the
 * process's shared resources. Its topics, group and dead-letter topic come from the topology (runtime/wiring.ts).
 */
import { TOPIC } from '../topics/topology.js';
import { chunkRecordsApplier, followedChunkTable } from './chunk/chunk-table.js';
import { LiveChunks } from './chunk/live-chunks.js';
import { chunkStage } from './chunk/stage.js';
import { IntentModel } from './classify/model.js';
import { OrgModels } from './classify/org-models.js';
import { ShadowComparisons } from './classify/shadow.js';
import { classifyStage } from './classify/stage.js';
import { CustomerContexts } from './enrich/customers.js';
import { enrichStage } from './enrich/stage.js';
import type { Resources } from './resources.js';
import { cachedGenerator, invalidateAnswersOf } from './respond/answer-cache.js';
import { respondGenerator } from './respond/factory.js';
import { respondStage } from './respond/stage.js';
import { DEFAULT_CHUNK_INDEX } from './retrieve/chunk-index.js';
import { createIndexedChunkSearchMany } from './retrieve/hybrid/chunk-search.js';
import { EmbeddingBudget } from './retrieve/hybrid/embedding-budget.js';
import { HybridRetriever } from './retrieve/hybrid/retriever.js';
import { retrieveStage } from './retrieve/stage.js';
import { createRouteSettingsLookup } from './route/settings-store.js';
import { routeStage } from './route/stage.js';
import type { HostedStage } from './runtime/main.js';
import type { AnyStage } from './runtime/stage.js';
import { wiringFor } from './runtime/wiring.js';
import { kbIndexSink } from './sinks/kb-index.js';
import { liveViewsSink, searchIndexSink, ticketStoreSink } from './sinks/stages.js';

type Build = (resources: Resources) => AnyStage;

const BUILDERS = {
  enrich: (r) => {
    const { pool, dependency } = r.postgres();
    const customers = new CustomerContexts({
      db: pool,
      postgres: dependency,
      fallbackAfterMs: r.config.processor.enrichContextWaitMs,
    });
    return enrichStage({ customers });
  },
  // The default model is loaded when the process starts, so a broken artefact fails it before it joins its
  // group; each org's own active model comes from the registry and follows promotions (classify/org-models.ts).
  classify: (r) => {
    const { pool, dependency } = r.postgres();
    const models = new OrgModels({
      db: pool,
      postgres: dependency,
      fallback: IntentModel.load(),
      logger: r.logger,
      pollMs: r.config.processor.intentModelPollMs,
    });
    models.start();
    r.onClose(() => models.stop());
    const shadows = new ShadowComparisons({
      db: pool,
      postgres: dependency,
      logger: r.logger,
      flushMs: r.config.processor.shadowFlushMs,
    });
    shadows.start();
    r.onClose(() => shadows.stop());
    return classifyStage({ models, shadows });
  },
  // Served from the knowledge base held in this process (the chunks topic followed in full): no network round trip.
  retrieve: (r) => {
    const table = r.knowledgeTable();
    return retrieveStage({
      search: createIndexedChunkSearchMany(new HybridRetriever(table.knowledge, r.embedder()), {
        embeddingBudget: new EmbeddingBudget({ share: r.config.processor.retrieveEmbeddingCpuPercent / 100 }),
      }),
      method: 'HYBRID',
      ready: () => table.ready(),
    });
  },
  // Drafts with the configured chain (RESPOND_TIERS, e.g. local,extractive); a model that is busy, slow or away
  // hands the draft to the next tier, so the stage keeps the pace of the extractive generator at worst. Drafts
  // already made for the same question and passages come from the answer cache, unless it is off; only the
  // first tier's are kept, so an answer drafted while that tier was saturated is not served once it recovers.
  respond: (r) => {
    const chain = respondGenerator(r.config.respond, r.logger);
    r.onClose(() => void chain.close());
    const cache = r.answerCache();
    const generator = cache
      ? cachedGenerator(chain, cache, { shouldStore: (draft) => draft.attempts.length <= 1 })
      : chain;
    return respondStage({ generator });
  },
  route: (r) => {
    const { pool, dependency } = r.postgres();
    return routeStage({ settings: createRouteSettingsLookup({ db: pool, postgres: dependency }) });
  },
  'ticket-store': (r) => {
    const { db, dependency } = r.mongo();
    return ticketStoreSink(db, dependency, { cacheTickets: r.config.processor.ticketStoreCacheTickets });
  },
  'search-index': (r) => {
    const { client, dependency } = r.elasticsearch();
    return searchIndexSink(client, dependency);
  },
  'live-views': (r) => {
    const { client, dependency } = r.redis();
    return liveViewsSink(client, dependency);
  },
  // The knowledge base: documents cut into passages, and the passages indexed for retrieval.
  chunk: (r) => {
    const live = new LiveChunks();
    const { follower, dependency } = r.followTopic('chunks-table', TOPIC.knowledgeChunk, {
      apply: chunkRecordsApplier(live, r.codec(), r.logger),
    });
    // Each passage version is embedded here, once; every reader of the chunks topic gets the vector with it.
    // Each changed or removed document drops the cached answers citing it.
    const cache = r.answerCache();
    return chunkStage({
      table: followedChunkTable(live, follower, dependency),
      embedder: r.embedder(),
      ...(cache && { onDocumentsChanged: invalidateAnswersOf(cache, r.logger) }),
    });
  },
  'kb-index': (r) => {
    const { client, dependency } = r.elasticsearch();
    return kbIndexSink(client, dependency, { index: DEFAULT_CHUNK_INDEX });
  },
} satisfies Record<string, Build>;

export type ProcessorName = keyof typeof BUILDERS;

/** In pipeline order: the interaction stages, then the ticket sinks, then the knowledge base's processors. */
export const PROCESSOR_NAMES = Object.keys(BUILDERS) as ProcessorName[];

export function isProcessorName(name: string): name is ProcessorName {
  return Object.hasOwn(BUILDERS, name);
}

export function hostedStage(name: ProcessorName, resources: Resources): HostedStage {
  const stage = BUILDERS[name](resources);
  return { stage, wiring: wiringFor(stage) };
}
