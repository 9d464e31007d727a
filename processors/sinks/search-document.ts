/**
 * The search document of a ticket: what agents filter and search on, and only redacted text. The raw message
 * stays in the ticket store; the index is queried widely and must never expose personal data. It is built from
 * the store's changelog, which carries nothing else.
 */
import type { TicketChanged } from '../../schemas/index.js';
import { storeStatus } from './ticket-changes.js';

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
}

export function toSearchDocument(change: TicketChanged): TicketSearchDocument {
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
  },
} as const;
