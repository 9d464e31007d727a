/**
 * Keeps one search document per ticket in `tf-tickets` (an alias of the view's current version), under
 * `<org>:<ticket>`, from the ticket store's changelog. Writes use the ticket's revision as Elasticsearch's external version (`external_gte`): re-indexing
 * the same revision is a harmless overwrite, and an older revision arriving late is refused by the index itself,
 * so a replay or a slow writer cannot roll a ticket back. A batch is one `_bulk` request.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { TicketChanged } from '../../schemas/index.js';
import { ticketKey } from './events.js';
import { ticketIndexMappings, toSearchDocument, type TicketSearchDocument } from './search-document.js';

export const TICKET_INDEX = 'tf-tickets';
/**
 * How soon an indexed ticket becomes searchable. Elasticsearch's 1 s default would be most of the time from a
 * customer's message to a searchable ticket; more frequent refreshes cost segment merges, cheap at this size.
 */
const REFRESH_INTERVAL = '250ms';

export type IndexOutcome = 'indexed' | 'stale';

function errorType(error: unknown): string | undefined {
  return (error as { meta?: { body?: { error?: { type?: string } } } }).meta?.body?.error?.type;
}

/** The concrete index holding version `n` of the view that readers know by `alias`. */
export const ticketIndexVersion = (alias: string, n: number): string => `${alias}-v${n}`;

/**
 * Makes `name` ready to write: an existing index or alias gets the fields a newer mapping has; a missing one is
 * created as version 1 behind an alias of that name, so a rebuild can later swap versions under readers
 * (`ticketflow views rebuild search-index`). Safe when several sinks start at once.
 */
export async function ensureTicketIndex(es: Client, name = TICKET_INDEX): Promise<void> {
  const mappings = ticketIndexMappings as estypes.MappingTypeMapping;
  if (await es.indices.exists({ index: name })) {
    await es.indices.putMapping({ index: name, ...mappings });
    await es.indices.putSettings({ index: name, settings: { refresh_interval: REFRESH_INTERVAL } });
    return;
  }
  await createTicketIndex(es, ticketIndexVersion(name, 1), name);
}

/** Creates a concrete index with the mapping, behind `alias` when given; one that already exists is left alone. */
export async function createTicketIndex(es: Client, index: string, alias?: string): Promise<void> {
  const mappings = ticketIndexMappings as estypes.MappingTypeMapping;
  try {
    await es.indices.create({
      index,
      mappings,
      settings: { refresh_interval: REFRESH_INTERVAL },
      ...(alias ? { aliases: { [alias]: {} } } : {}),
    });
  } catch (error) {
    if (errorType(error) !== 'resource_already_exists_exception') throw error;
  }
}

/** Why Elasticsearch refused one document of a bulk, with its HTTP status. */
export class IndexItemError extends Error {
  override name = 'IndexItemError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Indexes the latest revision of each ticket among `changes` in one bulk request. Returns, per ticket id, the
 * outcome or the error of its document; a request that fails as a whole rejects.
 */
export async function indexChanges(
  es: Client,
  changes: readonly TicketChanged[],
  options: { index?: string; refresh?: boolean | 'wait_for' } = {},
): Promise<Map<string, IndexOutcome | IndexItemError>> {
  const latest = new Map<string, TicketChanged>();
  for (const change of changes) {
    const id = ticketKey(change.meta.orgId, change.meta.ticketId);
    const seen = latest.get(id);
    if (!seen || seen.revision < change.revision) latest.set(id, change);
  }
  const outcomes = new Map<string, IndexOutcome | IndexItemError>();
  if (latest.size === 0) return outcomes;
  const index = options.index ?? TICKET_INDEX;
  const operations = [...latest].flatMap(([id, change]) => [
    { index: { _index: index, _id: id, version: change.revision, version_type: 'external_gte' as const } },
    toSearchDocument(change),
  ]);
  const response = await es.bulk<TicketSearchDocument>({ operations, refresh: options.refresh ?? false });
  const ids = [...latest.keys()];
  response.items.forEach((item, i) => {
    const result = item.index!;
    const id = ids[i]!;
    if (!result.error) outcomes.set(id, 'indexed');
    else if (result.error.type === 'version_conflict_engine_exception') outcomes.set(id, 'stale');
    else outcomes.set(id, new IndexItemError(result.status, `${result.error.type}: ${result.error.reason ?? ''}`));
  });
  return outcomes;
}

export interface TicketHit {
  id: string;
  score: number | null;
  ticket: TicketSearchDocument;
}

/**
 * Full-text search within one org. The org is a filter clause, never part of the scored query, so no text
 * can match across tenants; an empty query lists the org's tickets, most recently updated first.
 */
export async function searchTickets(
  es: Client,
  orgId: string,
  q: string,
  options: { index?: string; size?: number } = {},
): Promise<TicketHit[]> {
  const text = q.trim();
  const response = await es.search<TicketSearchDocument>({
    index: options.index ?? TICKET_INDEX,
    size: options.size ?? 20,
    // A hit shows the list fields and the text; the detail is read by id.
    _source: { excludes: ['detail'] },
    track_total_hits: false,
    // Elasticsearch drops a shard's cached answers at each refresh, so a cached answer is never staler than the
    // index; dashboards repeating a search between refreshes are answered from memory.
    request_cache: true,
    query: {
      bool: {
        filter: [{ term: { org_id: orgId } }],
        must: text ? [{ multi_match: { query: text, fields: ['subject^2', 'body'] } }] : [{ match_all: {} }],
      },
    },
    sort: text ? ['_score', { updated_at: 'desc' }] : [{ updated_at: 'desc' }],
  });
  return response.hits.hits.flatMap((hit) =>
    hit._source ? [{ id: hit._id ?? '', score: hit._score ?? null, ticket: hit._source }] : [],
  );
}
