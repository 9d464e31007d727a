import {
  eventCatalog,
  type Grounding,
  type InteractionClassified,
  type InteractionGrounded,
} from '../../schemas/index.js';
import type { Stage } from '../runtime/stage.js';
import { buildRetrievalQuery, DEFAULT_MAX_QUERY_CHARS } from './query.js';
import type { ChunkSearch } from './search.js';

export interface RetrieveOptions {
  search: ChunkSearch;
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
}

/** Grounds each classified interaction in its org's knowledge base: the passages a reply can rest on. */
export function retrieveStage(options: RetrieveOptions): Stage<InteractionClassified, InteractionGrounded> {
  const k = options.k ?? 5;
  const maxQueryChars = options.maxQueryChars ?? DEFAULT_MAX_QUERY_CHARS;
  return {
    name: 'retrieve',
    version: '0.1.0',
    inputSchema: eventCatalog().get('InteractionClassified').schema,
    async handle(event, context) {
      const { interaction, enrichment, classification } = event;
      const grounding = await ground(event, options.search, k, maxQueryChars, options.outOfScope ?? 'search');
      context.logger.debug(
        {
          method: grounding.method,
          passages: grounding.passages.length,
          topScore: grounding.passages[0]?.score ?? null,
          outOfScope: classification.outOfScope,
        },
        'grounded',
      );
      return [{ meta: context.derive(), interaction, enrichment, classification, grounding }];
    },
  };
}

async function ground(
  event: InteractionClassified,
  search: ChunkSearch,
  k: number,
  maxQueryChars: number,
  outOfScope: 'search' | 'skip',
): Promise<Grounding> {
  if (event.classification.outOfScope && outOfScope === 'skip') return { method: 'SKIPPED', query: '', passages: [] };
  const query = buildRetrievalQuery(event.enrichment, event.classification, maxQueryChars);
  if (query === '') return { method: 'SKIPPED', query: '', passages: [] };
  const result = await search({ orgId: event.meta.orgId, language: event.enrichment.language, query, k });
  return { method: 'LEXICAL', query, passages: result.passages };
}
