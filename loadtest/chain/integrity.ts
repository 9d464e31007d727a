/**
 * After the phases: did any interaction become more than one ticket, or a ticket count more than was posted?
 * Reads every ticket of the benchmark's orgs once, after the pipeline has drained: MongoDB (one pass, with the
 * interactions and replies of each ticket), Elasticsearch (conversations with more than one search document)
 * and Redis (ticket hashes per org).
 */
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import type { Collection } from 'mongodb';
import { TICKET_INDEX } from '../../processors/sinks/search-index.js';
import type { StoredTicket } from '../../processors/sinks/ticket-store.js';
import type { Tracker } from './tracker.js';

export interface IntegrityReport {
  /** Per phase: tickets beyond one per interaction, and tickets holding more interactions or replies than posted. */
  duplicatedByPhase: Record<string, number>;
  /** Human-readable findings, at most a few per kind. */
  findings: string[];
  mongoTickets: number;
  searchDocuments: number;
  redisTickets: number;
  /** Interactions accepted by ingest, over all phases. */
  accepted: number;
}

interface Counted {
  _id: string;
  conversationId: string;
  interactions?: unknown[];
  replies?: unknown[];
}

export async function checkIntegrity(
  clients: { tickets: Collection<StoredTicket>; es: Client; redis: Redis },
  orgIds: readonly string[],
  tracker: Tracker,
  phases: readonly string[],
): Promise<IntegrityReport> {
  const duplicatedByPhase: Record<string, number> = Object.fromEntries(phases.map((p) => [p, 0]));
  const findings: string[] = [];
  const note = (phase: string | undefined, finding: string) => {
    if (phase !== undefined) duplicatedByPhase[phase] = (duplicatedByPhase[phase] ?? 0) + 1;
    if (findings.length < 20) findings.push(finding);
  };
  const accepted = phases.reduce((n, p) => n + tracker.of(p).filter((t) => t.status === 202).length, 0);

  const docs = (await clients.tickets
    .find(
      { orgId: { $in: [...orgIds] } },
      { projection: { conversationId: 1, 'interactions.interactionId': 1, 'replies.eventId': 1 } },
    )
    .toArray()) as unknown as Counted[];
  const perConversation = new Map<string, number>();
  for (const doc of docs) {
    const track = tracker.get(doc.conversationId);
    const phase = track?.phase;
    const copies = (perConversation.get(doc.conversationId) ?? 0) + 1;
    perConversation.set(doc.conversationId, copies);
    if (copies > 1) note(phase, `conversation ${doc.conversationId} has ${copies} tickets in MongoDB`);
    if (track && track.key !== doc._id)
      note(phase, `ticket ${doc._id} is not the one ingest named for its conversation`);
    const interactions = doc.interactions?.length ?? 0;
    const replies = doc.replies?.length ?? 0;
    // Each interaction was posted once, in its own conversation, and nobody replied.
    if (interactions > 1 || replies > 0) {
      note(phase, `ticket ${doc._id} holds ${interactions} interactions and ${replies} replies (posted: 1 and 0)`);
    }
  }

  const search = await clients.es.search({
    index: TICKET_INDEX,
    size: 0,
    track_total_hits: true,
    query: { terms: { org_id: [...orgIds] } },
    aggs: { repeated: { terms: { field: 'conversation_id', min_doc_count: 2, size: 1000 } } },
  });
  const total = search.hits.total;
  const searchDocuments = typeof total === 'number' ? total : (total?.value ?? 0);
  const buckets = (search.aggregations?.repeated as { buckets?: Array<{ key: string; doc_count: number }> })?.buckets;
  for (const bucket of buckets ?? []) {
    note(tracker.get(bucket.key)?.phase, `conversation ${bucket.key} has ${bucket.doc_count} search documents`);
  }

  let redisTickets = 0;
  for (const orgId of orgIds) {
    for await (const keys of clients.redis.scanStream({ match: `tf:ticket:${orgId}:*`, count: 1000 })) {
      redisTickets += (keys as string[]).length;
    }
  }
  if (redisTickets > accepted) findings.push(`Redis holds ${redisTickets} ticket hashes for ${accepted} interactions`);

  return { duplicatedByPhase, findings, mongoTickets: docs.length, searchDocuments, redisTickets, accepted };
}
