import type { Grounding, InteractionClassified, InteractionGrounded, RetrievalMethod } from '../../schemas/index.js';
import { PermanentError } from '../runtime/errors.js';
import { failed, type BatchStage, type ItemResult } from '../runtime/stage.js';
import { buildRetrievalQuery, DEFAULT_MAX_QUERY_CHARS } from './query.js';
import { SearchItemError, type ChunkSearchMany, type SearchRequest } from './search.js';

export const RETRIEVE_STAGE = 'retrieve';

export interface RetrieveOptions {
  /** Searches a batch's queries at once (the in-process hybrid index, hybrid/chunk-search.ts, as wired). */
  search: ChunkSearchMany;
  /** How `search` finds passages, recorded in each grounding; HYBRID by default. */
  method?: RetrievalMethod;
  /**
   * Resolves once `search` answers from the whole knowledge base (its table caught up); awaited before every
   * batch, so a fresh instance never grounds an interaction in an index still loading.
   */
  ready?: () => Promise<void>;
  /** Passages handed to respond; a few good ones beat many weak ones in a short reply. */
  k?: number;
  /**
   * What to do with out-of-scope interactions. `search` (the default) still grounds them, so an agent who
   * takes one over sees what the knowledge base holds; the interaction stays marked by its carried-forward
   * classification, and its unreliable intent is left out of the query. `skip` runs no search and records
   * the grounding as SKIPPED.
   */
  outOfScope?: 'search' | 'skip';
  maxQueryChars?: number;
  /** Turns a search error into the failure the runtime acts on (a dependency's outage, say). */
  failure?: (error: Error) => unknown;
}

const SKIPPED: Grounding = { method: 'SKIPPED', query: '', passages: [] };

/** Grounds each classified interaction in its org's knowledge base: the passages a reply can rest on. */
export function retrieveStage(options: RetrieveOptions): BatchStage<InteractionClassified, InteractionGrounded> {
  const k = options.k ?? 5;
  const maxQueryChars = options.maxQueryChars ?? DEFAULT_MAX_QUERY_CHARS;
  const method = options.method ?? 'HYBRID';
  const failure =
    options.failure ??
    ((error: Error) =>
      error instanceof SearchItemError && error.status < 500 ? new PermanentError(error.message) : error);
  return {
    name: RETRIEVE_STAGE,
    version: '0.3.0',
    consumes: ['InteractionClassified'],
    emits: 'InteractionGrounded',
    async handleBatch(items) {
      await options.ready?.();
      const requests: Array<SearchRequest | null> = items.map(({ event }) => {
        if (event.classification.outOfScope && options.outOfScope === 'skip') return null;
        const query = buildRetrievalQuery(event.enrichment, event.classification, maxQueryChars);
        return query === '' ? null : { orgId: event.meta.orgId, language: event.enrichment.language, query, k };
      });
      const wanted = requests.filter((r): r is SearchRequest => r !== null);
      const found = wanted.length > 0 ? await options.search(wanted) : [];
      let next = 0;
      return items.map(({ event, context }, i): ItemResult<InteractionGrounded> => {
        const request = requests[i];
        let grounding = SKIPPED;
        if (request) {
          const result = found[next++]!;
          if (result instanceof Error) return failed(failure(result));
          grounding = { method: result.method ?? method, query: request.query, passages: result.passages };
        }
        context.debug(
          {
            method: grounding.method,
            passages: grounding.passages.length,
            topScore: grounding.passages[0]?.score ?? null,
            outOfScope: event.classification.outOfScope,
          },
          'grounded',
        );
        const { interaction, enrichment, classification } = event;
        return [{ meta: context.derive(), interaction, enrichment, classification, grounding }];
      });
    },
  };
}
