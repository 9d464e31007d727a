/**
 * Lexical (BM25) search over the chunk index, always within one org and one language. A question is
 * answered from articles in its own language or not at all, unless the caller names fallback languages:
 * quoting an English article to a Spanish-speaking customer is a product decision, not a default.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { Passage } from '../../schemas/index.js';
import { DEFAULT_CHUNK_INDEX, type ChunkDocument } from './chunk-index.js';
import { baseLanguage, foldText } from './terms.js';

export interface SearchRequest {
  orgId: string;
  /** BCP 47 tag of the question; matched on its primary subtag. */
  language: string;
  query: string;
  /** How many passages to return at most. */
  k: number;
}

export interface SearchResult {
  /** Most relevant first, ranked from 1. */
  passages: Passage[];
  /** Primary subtag the passages are in; null when nothing was found in any language tried. */
  language: string | null;
}

export type ChunkSearch = (request: SearchRequest) => Promise<SearchResult>;

export interface ChunkSearchOptions {
  index?: string;
  /** Languages to try, in order, when the question's own has no hit; none by default. */
  fallbackLanguages?: readonly string[];
  /** Weight of a title match relative to a body match: titles name the topic in few words. */
  titleBoost?: number;
}

const SOURCE_FIELDS = [
  'chunk_id',
  'document_id',
  'document_version',
  'title',
  'text',
  'source_uri',
] as const satisfies readonly (keyof ChunkDocument)[];

type PassageSource = Pick<ChunkDocument, (typeof SOURCE_FIELDS)[number]>;

/** The languages a question may be answered in, in order of preference, each once. */
export function languagesToTry(language: string, fallbacks: readonly string[] = []): string[] {
  const own = baseLanguage(language);
  const all = [...(own === 'und' ? [] : [own]), ...fallbacks.map(baseLanguage)];
  return [...new Set(all)].filter((l) => l !== 'und');
}

/** The query for one org and language; null when the text has no searchable term in that language. */
export function buildChunkQuery(
  orgId: string,
  language: string,
  text: string,
  titleBoost = 2,
): estypes.QueryDslQueryContainer | null {
  const terms = foldText(text, language);
  if (terms === '') return null;
  return {
    bool: {
      filter: [{ term: { org_id: orgId } }, { term: { language_base: baseLanguage(language) } }],
      should: [{ match: { body_terms: terms } }, { match: { title_terms: { query: terms, boost: titleBoost } } }],
      // With a filter present, should clauses would otherwise be optional and every chunk of the org would match.
      minimum_should_match: 1,
    },
  };
}

export function toPassages(hits: readonly estypes.SearchHit<PassageSource>[]): Passage[] {
  return hits.flatMap((hit, i) => {
    const s = hit._source;
    if (!s) return [];
    return [
      {
        chunkId: s.chunk_id,
        documentId: s.document_id,
        documentVersion: s.document_version,
        title: s.title,
        text: s.text,
        sourceUri: s.source_uri ?? null,
        score: hit._score ?? 0,
        rank: i + 1,
      },
    ];
  });
}

function isIndexNotFound(error: unknown): boolean {
  const meta = (error as { meta?: { statusCode?: number; body?: { error?: { type?: string } } } }).meta;
  return meta?.statusCode === 404 && meta.body?.error?.type === 'index_not_found_exception';
}

export function createChunkSearch(client: Client, options: ChunkSearchOptions = {}): ChunkSearch {
  const index = options.index ?? DEFAULT_CHUNK_INDEX;
  return async ({ orgId, language, query, k }) => {
    for (const lang of languagesToTry(language, options.fallbackLanguages)) {
      const body = buildChunkQuery(orgId, lang, query, options.titleBoost);
      if (!body) continue;
      let response: estypes.SearchResponse<PassageSource>;
      try {
        response = await client.search<PassageSource>({
          index,
          size: k,
          query: body,
          _source: [...SOURCE_FIELDS],
          // Ties broken by chunk id, so equal scores come back in the same order on every run and replica.
          sort: ['_score', { chunk_id: 'asc' }],
          track_total_hits: false,
        });
      } catch (error) {
        // No knowledge base imported yet is an empty one, not a failure to retry and dead-letter.
        if (isIndexNotFound(error)) return { passages: [], language: null };
        throw error;
      }
      const passages = toPassages(response.hits.hits);
      if (passages.length > 0) return { passages, language: lang };
    }
    return { passages: [], language: null };
  };
}
