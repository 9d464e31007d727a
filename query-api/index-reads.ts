/**
 * The query API's reads of the search index (processors/sinks/search-index.ts): a ticket's document by id, and
 * the dashboards' aggregations. Every query filters on the org, never scoring on it, so nothing can match across
 * tenants. Aggregations ask Elasticsearch's request cache, which it empties at each refresh: an answer is never
 * staler than the index, and a dashboard repeating a query between refreshes costs no new aggregation.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { TicketSearchDocument } from '../processors/sinks/search-document.js';
import { BREACH_STATES } from '../processors/sinks/ticket-views.js';

/** Buckets per field at most: more queues or intents than this in one org would be a misconfiguration. */
const MAX_BUCKETS = 1000;

const indexMissing = (error: unknown) =>
  (error as { body?: { error?: { type?: string } } }).body?.error?.type === 'index_not_found_exception';

/** The org's ticket document, or null when the index holds none (or holds it for another org). */
export async function readTicketDocument(
  es: Client,
  index: string,
  orgId: string,
  ticketId: string,
): Promise<TicketSearchDocument | null> {
  try {
    const response = await es.get<TicketSearchDocument>({ index, id: `${orgId}:${ticketId}` }, { ignore: [404] });
    const source = response.found ? response._source : undefined;
    // The id joins org and ticket with ':', which either may hold: the document must name this org and ticket.
    return source && source.org_id === orgId && source.ticket_id === ticketId ? source : null;
  } catch (error) {
    if (indexMissing(error)) return null;
    throw error;
  }
}

/** The detail of a document indexed before it carried one: the fields it has. */
export function detailOfOlderDocument(doc: TicketSearchDocument) {
  return {
    ticketId: doc.ticket_id,
    conversationId: doc.conversation_id,
    orgId: doc.org_id,
    status: doc.status,
    queue: doc.queue,
    priority: doc.priority,
    intent: doc.intent,
    assignee: doc.assignee,
    slaDueAt: doc.sla_due_at,
    subject: doc.subject,
    updatedAt: doc.updated_at,
    revision: doc.revision,
    enrichment: doc.body === null ? null : { redactedSubject: doc.subject, redactedBody: doc.body },
  };
}

type Buckets = Record<string, number>;

function bucketsOf(aggregations: Record<string, estypes.AggregationsAggregate> | undefined, name: string): Buckets {
  const agg = aggregations?.[name] as estypes.AggregationsStringTermsAggregate | undefined;
  const out: Buckets = {};
  for (const bucket of (agg?.buckets ?? []) as estypes.AggregationsStringTermsBucket[]) {
    out[String(bucket.key)] = bucket.doc_count;
  }
  return out;
}

const terms = (field: string) => ({ terms: { field, size: MAX_BUCKETS } });

async function aggregate(
  es: Client,
  index: string,
  filter: estypes.QueryDslQueryContainer[],
  aggs: Record<string, estypes.AggregationsAggregationContainer>,
) {
  try {
    const response = await es.search({
      index,
      size: 0,
      track_total_hits: true,
      request_cache: true,
      query: { bool: { filter } },
      aggs,
    });
    const total = response.hits.total;
    return {
      total: typeof total === 'number' ? total : (total?.value ?? 0),
      aggregations: response.aggregations,
    };
  } catch (error) {
    // Before the first ticket is indexed the index does not exist: nothing to count, which is no error.
    if (indexMissing(error)) return { total: 0, aggregations: undefined };
    throw error;
  }
}

/** Tickets created in [from, to), per status, queue, priority and intent as they stand now. */
export async function readTicketStats(es: Client, index: string, orgId: string, from: number, to: number) {
  const { total, aggregations } = await aggregate(
    es,
    index,
    [{ term: { org_id: orgId } }, { range: { created_at: { gte: from, lt: to } } }],
    { status: terms('status'), queue: terms('queue'), priority: terms('priority'), intent: terms('intent') },
  );
  return {
    from,
    to,
    total,
    byStatus: bucketsOf(aggregations, 'status'),
    byQueue: bucketsOf(aggregations, 'queue'),
    byPriority: bucketsOf(aggregations, 'priority'),
    byIntent: bucketsOf(aggregations, 'intent'),
  };
}

/**
 * Tickets whose first-response deadline lies in [from, to] and that were not answered by it (ticket-views.ts
 * slaOutcome): with `to` now, every one of them is a breach.
 */
export async function readSlaBreaches(es: Client, index: string, orgId: string, from: number, to: number) {
  const { total, aggregations } = await aggregate(
    es,
    index,
    [
      { term: { org_id: orgId } },
      { range: { sla_due_at: { gte: from, lte: to } } },
      { terms: { sla_state: [...BREACH_STATES] } },
    ],
    { queue: terms('queue'), priority: terms('priority') },
  );
  return {
    from,
    to,
    total,
    byQueue: bucketsOf(aggregations, 'queue'),
    byPriority: bucketsOf(aggregations, 'priority'),
  };
}
