/**
 * The ticket store's changelog: a stored ticket as a `TicketChanged` event, with redacted text only. The same
 * revision of a ticket always gets the same event id, so a batch redone after a crash publishes nothing new
 * that a view could count twice.
 */
import type { TicketChanged, TicketStatus as ChangedStatus } from '../../schemas/index.js';
import { deriveEventId } from '../runtime/ids.js';
import type { TicketDocument } from './ticket-document.js';
import type { TicketStatus } from './ticket-facts.js';

export const TICKET_STORE = 'ticket-store';
export const TICKET_STORE_VERSION = '2.0.0';

const STATUS: Readonly<Record<TicketStatus, ChangedStatus>> = {
  open: 'OPEN',
  pending: 'PENDING',
  auto_replied: 'AUTO_REPLIED',
  resolved: 'RESOLVED',
};

const STORE_STATUS: Readonly<Record<ChangedStatus, TicketStatus>> = {
  UNKNOWN: 'open',
  OPEN: 'open',
  PENDING: 'pending',
  AUTO_REPLIED: 'auto_replied',
  RESOLVED: 'resolved',
};

/** The store's name for a changelog status, which the views and the API use. */
export const storeStatus = (status: ChangedStatus): TicketStatus => STORE_STATUS[status] ?? 'open';

export function ticketChanged(ticket: TicketDocument, causationId: string, now = Date.now()): TicketChanged {
  const firstReceived = ticket.interactions[0]?.receivedAt;
  return {
    meta: {
      eventId: deriveEventId(ticket._id, TICKET_STORE, ticket.revision),
      orgId: ticket.orgId,
      conversationId: ticket.conversationId,
      ticketId: ticket.ticketId,
      causationId,
      occurredAt: now,
      producer: { stage: TICKET_STORE, version: TICKET_STORE_VERSION },
    },
    revision: ticket.revision,
    status: STATUS[ticket.status] ?? 'UNKNOWN',
    createdAt: Math.min(firstReceived ?? ticket.updatedAt, ticket.updatedAt),
    updatedAt: ticket.updatedAt,
    interactions: ticket.interactions.map(({ interactionId, channel, customer, receivedAt, attachments }) => ({
      interactionId,
      channel,
      customer,
      receivedAt,
      attachments,
    })),
    enrichment: ticket.enrichment,
    classification: ticket.classification,
    draft: ticket.draft ? withoutEventId(ticket.draft) : null,
    draftEventId: ticket.draft?.eventId ?? null,
    routing: ticket.routing,
    queue: ticket.queue,
    priority: ticket.priority,
    slaDueAt: ticket.slaDueAt,
    assignee: ticket.assignee,
    resolution: ticket.resolution,
    replies: ticket.replies,
  };
}

function withoutEventId<T extends { eventId: string }>(draft: T): Omit<T, 'eventId'> {
  const { eventId: _eventId, ...rest } = draft;
  return rest;
}
