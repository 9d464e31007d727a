/** What the API answers with: the stored documents without their bookkeeping (dedupe ids, field orders). */
import type { TicketSearchDocument } from '../processors/sinks/search-document.js';
import type { TicketDocument } from '../processors/sinks/ticket-document.js';

export function ticketSummary(doc: TicketDocument) {
  return {
    ticketId: doc.ticketId,
    conversationId: doc.conversationId,
    status: doc.status,
    queue: doc.queue,
    priority: doc.priority,
    intent: doc.classification?.intent ?? null,
    assignee: doc.assignee,
    slaDueAt: doc.slaDueAt,
    subject: doc.enrichment?.redactedSubject ?? null,
    updatedAt: doc.updatedAt,
  };
}

export function ticketDetail(doc: TicketDocument) {
  const { _id, writtenAt: _written, ...rest } = doc;
  // Bookkeeping of the store's writes, and the event-id list tickets stored before version 2 still carry.
  for (const field of ['writeId', 'appliedEventIds']) delete (rest as Record<string, unknown>)[field];
  return { ...ticketSummary(doc), ...rest, id: _id };
}

export function searchHit(ticket: TicketSearchDocument, score: number | null) {
  return {
    ticketId: ticket.ticket_id,
    conversationId: ticket.conversation_id,
    status: ticket.status,
    queue: ticket.queue,
    priority: ticket.priority,
    intent: ticket.intent,
    assignee: ticket.assignee,
    slaDueAt: ticket.sla_due_at,
    subject: ticket.subject,
    body: ticket.body,
    updatedAt: ticket.updated_at,
    score,
  };
}
