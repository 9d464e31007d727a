/**
 * The search document of a ticket: what agents filter and search on, what dashboards aggregate, and the detail
 * the API shows, with only redacted text. The raw message stays in the ticket store; the index is queried widely
 * and must never expose personal data. It is built from the store's changelog, which carries nothing else.
 *
 * The mapping only ever gains fields (ensureTicketIndex puts it on the existing index): documents indexed before
 * a field existed simply lack it, so every reader treats the newer fields as optional.
 */
import type { TicketChanged } from '../../schemas/index.js';
import { storeStatus } from './ticket-changes.js';
import { slaOutcome, ticketDetail, type SlaState, type TicketDetail } from './ticket-views.js';

export interface TicketSearchDocument {
  org_id: string;
  ticket_id: string;
  conversation_id: string;
  status: string;
  queue: string | null;
  intent: string | null;
  priority: string | null;
  assignee: string | null;
  subject: string | null;
  body: string | null;
  sla_due_at: number | null;
  updated_at: number;
  revision: number;
  /** Since version 2 of the document; absent from documents indexed before. */
  created_at?: number;
  sla_state?: SlaState;
  first_response_at?: number | null;
  /** The detail of GET /v1/tickets/:id, stored but not indexed. */
  detail?: TicketDetail;
}

export function toSearchDocument(change: TicketChanged): TicketSearchDocument {
  const sla = slaOutcome(change);
  return {
    org_id: change.meta.orgId,
    ticket_id: change.meta.ticketId,
    conversation_id: change.meta.conversationId,
    status: storeStatus(change.status),
    queue: change.queue,
    intent: change.classification?.intent ?? null,
    priority: change.priority,
    assignee: change.assignee,
    subject: change.enrichment?.redactedSubject ?? null,
    body: change.enrichment?.redactedBody ?? null,
    sla_due_at: change.slaDueAt,
    updated_at: change.updatedAt,
    revision: change.revision,
    created_at: change.createdAt,
    sla_state: sla.state,
    first_response_at: sla.respondedAt,
    detail: ticketDetail(change),
  };
}

export const ticketIndexMappings = {
  dynamic: 'strict',
  properties: {
    org_id: { type: 'keyword' },
    ticket_id: { type: 'keyword' },
    conversation_id: { type: 'keyword' },
    status: { type: 'keyword' },
    queue: { type: 'keyword' },
    intent: { type: 'keyword' },
    priority: { type: 'keyword' },
    assignee: { type: 'keyword' },
    // The standard analyzer: this Elasticsearch build lacks the language analyzers, and tickets are multilingual.
    subject: { type: 'text' },
    body: { type: 'text' },
    sla_due_at: { type: 'date', format: 'epoch_millis' },
    updated_at: { type: 'date', format: 'epoch_millis' },
    revision: { type: 'long' },
    created_at: { type: 'date', format: 'epoch_millis' },
    sla_state: { type: 'keyword' },
    first_response_at: { type: 'date', format: 'epoch_millis' },
    // Kept in _source for the detail, never indexed: its text is already searchable as subject and body.
    detail: { type: 'object', enabled: false },
  },
} as const;
