/**
 * The search document of a ticket: only what agents filter and search on, and only redacted text. The raw
 * message stays in the ticket store; the index is queried widely and must never expose personal data.
 */
import type { TicketDocument } from './ticket-document.js';

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
}

export function toSearchDocument(ticket: TicketDocument): TicketSearchDocument {
  return {
    org_id: ticket.orgId,
    ticket_id: ticket.ticketId,
    conversation_id: ticket.conversationId,
    status: ticket.status,
    queue: ticket.queue,
    intent: ticket.classification?.intent ?? null,
    priority: ticket.priority,
    assignee: ticket.assignee,
    subject: ticket.enrichment?.redactedSubject ?? null,
    body: ticket.enrichment?.redactedBody ?? null,
    sla_due_at: ticket.slaDueAt,
    updated_at: ticket.updatedAt,
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
  },
} as const;
