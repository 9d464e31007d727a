/**
 * Keeps one search document per ticket in `tf-tickets`, under `<org>:<ticket>`. Writes use the ticket's
 * `revision` as Elasticsearch's external version (`external_gte`): re-indexing the same revision is a harmless
 * overwrite, and an older revision arriving late is refused by the index itself, so concurrent or replayed
 * writers cannot roll a ticket back.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { ticketKey } from './events.js';
import { ticketIndexMappings, toSearchDocument, type TicketSearchDocument } from './search-document.js';
import type { TicketDocument } from './ticket-document.js';

export const TICKET_INDEX = 'tf-tickets';

export type IndexOutcome = 'indexed' | 'stale';

function errorType(error: unknown): string | undefined {
  return (error as { meta?: { body?: { error?: { type?: string } } } }).meta?.body?.error?.type;
}

/** Creates the index with its mapping unless it exists; safe when several sinks start at once. */
export async function ensureTicketIndex(es: Client, index = TICKET_INDEX): Promise<void> {
  if (await es.indices.exists({ index })) return;
  try {
    await es.indices.create({ index, mappings: ticketIndexMappings as estypes.MappingTypeMapping });
  } catch (error) {
    if (errorType(error) !== 'resource_already_exists_exception') throw error;
  }
}

export async function indexTicket(
  es: Client,
  doc: TicketDocument,
  options: { index?: string; refresh?: boolean | 'wait_for' } = {},
): Promise<IndexOutcome> {
  try {
    await es.index<TicketSearchDocument>({
      index: options.index ?? TICKET_INDEX,
      id: ticketKey(doc.orgId, doc.ticketId),
      version: doc.revision,
      version_type: 'external_gte',
      document: toSearchDocument(doc),
      refresh: options.refresh ?? false,
    });
    return 'indexed';
  } catch (error) {
    if (errorType(error) === 'version_conflict_engine_exception') return 'stale';
    throw error;
  }
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
