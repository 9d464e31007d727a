/**
 * Lexical (BM25) search over the chunk index, always within one org and one language. A question is
 * answered from articles in its own language or not at all, unless the caller names fallback languages:
 * quoting an English article to a Spanish-speaking customer is a product decision, not a default.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { Passage, RetrievalMethod } from '../../schemas/index.js';
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
  /** How these passages were found, when the search decides it per question (the stage's own otherwise). */
  method?: RetrievalMethod;
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
  const e = error as {
    status?: number;
    type?: string;
    meta?: { statusCode?: number; body?: { error?: { type?: string } } };
  };
  if (e.type === 'index_not_found_exception') return true;
  return e.meta?.statusCode === 404 && e.meta.body?.error?.type === 'index_not_found_exception';
}

/** Searches for many requests at once; answers in the requests' order. */
export type ChunkSearchMany = (requests: readonly SearchRequest[]) => Promise<Array<SearchResult | Error>>;

/** Thrown for one search of a batch that Elasticsearch refused, with the status it answered. */
export class SearchItemError extends Error {
  override name = 'SearchItemError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Every request of a batch in one `_msearch` per language round: each request tries its own language first and
 * its fallbacks after, so a second round (if any) holds only the requests the first left without passages.
 */
/**
 * Searches per multi-search request at most. A fetched batch can hold thousands of interactions; as one request
 * it can outlast the client's timeout on a busy cluster, and a retry of the same request would time out again
 * and again. Requests of this size answer in bounded time, and what one of them answered is kept when a later
 * one fails.
 */
export const MAX_SEARCHES_PER_REQUEST = 200;

export function createChunkSearchMany(client: Client, options: ChunkSearchOptions = {}): ChunkSearchMany {
  const index = options.index ?? DEFAULT_CHUNK_INDEX;
  return async (requests) => {
    const results: Array<SearchResult | Error | undefined> = requests.map(() => undefined);
    const tries = requests.map((r) => languagesToTry(r.language, options.fallbackLanguages));
    for (let round = 0; results.includes(undefined); round++) {
      const searches: Array<{ at: number; lang: string; body: estypes.QueryDslQueryContainer }> = [];
      requests.forEach((request, at) => {
        if (results[at] !== undefined) return;
        const lang = tries[at]![round];
        if (lang === undefined) {
          results[at] = { passages: [], language: null };
          return;
        }
        const body = buildChunkQuery(request.orgId, lang, request.query, options.titleBoost);
        if (body) searches.push({ at, lang, body });
      });
      if (searches.length === 0) continue;
      for (let from = 0; from < searches.length; from += MAX_SEARCHES_PER_REQUEST) {
        const chunk = searches.slice(from, from + MAX_SEARCHES_PER_REQUEST);
        let response: estypes.MsearchResponse<PassageSource>;
        try {
          response = await client.msearch<PassageSource>({
            searches: chunk.flatMap(({ at, body }) => [
              { index },
              {
                size: requests[at]!.k,
                query: body,
                _source: [...SOURCE_FIELDS],
                // Ties broken by chunk id, so equal scores come back in the same order on every run and replica.
                sort: ['_score', { chunk_id: 'asc' }],
                track_total_hits: false,
              },
            ]),
          });
        } catch (error) {
          // No knowledge base imported yet is an empty one, not a failure to retry and dead-letter.
          if (isIndexNotFound(error)) {
            for (const { at } of chunk) results[at] = { passages: [], language: null };
            continue;
          }
          // What was answered stands; the rest fail with the error, to be retried on their own.
          const failure = error instanceof Error ? error : new Error(String(error));
          return results.map((result) => result ?? failure);
        }
        response.responses.forEach((item, k) => {
          const { at, lang } = chunk[k]!;
          if ('error' in item) {
            // No knowledge base imported yet is an empty one, not a failure to retry and dead-letter.
            if (isIndexNotFound(item.error)) results[at] = { passages: [], language: null };
            else
              results[at] = new SearchItemError(item.status ?? 500, `${item.error.type}: ${item.error.reason ?? ''}`);
            return;
          }
          const passages = toPassages(item.hits.hits);
          if (passages.length > 0) results[at] = { passages, language: lang };
        });
      }
    }
    return results as Array<SearchResult | Error>;
  };
}

/** One search at a time, for tools and tests; the stage searches a batch at once. */
export function createChunkSearch(client: Client, options: ChunkSearchOptions = {}): ChunkSearch {
  const many = createChunkSearchMany(client, options);
  return async (request) => {
    const [result] = await many([request]);
    if (result instanceof Error) throw result;
    return result!;
  };
}
