/**
 * What the API answers with. A ticket's detail is shaped by the sinks when they store it (ticket-views.ts), so the
 * API sends it as stored; a search hit is shaped here from its document.
 */
import type { TicketSearchDocument } from '../processors/sinks/search-document.js';

export { ticketDetail, type TicketDetail } from '../processors/sinks/ticket-views.js';

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
