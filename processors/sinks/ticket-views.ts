/**
 * What the read views hold of a ticket, computed once per revision by the sinks from the store's changelog
 * (`TicketChanged`, redacted text only): the detail the API answers `GET /v1/tickets/:id` with, the position
 * of the ticket in every list, and where it stands against its first-response deadline. The live views (Redis)
 * and the search index (Elasticsearch) both store these, so the API reads them as they are, without shaping.
 */
import type { TicketChanged } from '../../schemas/index.js';
import { storeStatus } from './ticket-changes.js';

/** The ticket as `GET /v1/tickets/:id` shows it: the changelog's fields, without the event envelope. */
export function ticketDetail(change: TicketChanged) {
  return {
    ticketId: change.meta.ticketId,
    conversationId: change.meta.conversationId,
    orgId: change.meta.orgId,
    status: storeStatus(change.status),
    queue: change.queue,
    priority: change.priority,
    intent: change.classification?.intent ?? null,
    assignee: change.assignee,
    slaDueAt: change.slaDueAt,
    subject: change.enrichment?.redactedSubject ?? null,
    createdAt: change.createdAt,
    updatedAt: change.updatedAt,
    revision: change.revision,
    interactions: change.interactions,
    enrichment: change.enrichment,
    classification: change.classification,
    draft: change.draft,
    draftEventId: change.draftEventId,
    routing: change.routing,
    resolution: change.resolution,
    replies: change.replies,
  };
}

export type TicketDetail = ReturnType<typeof ticketDetail>;

/** The ticket as a page of `GET /v1/tickets` shows it. */
export function ticketSummary(change: TicketChanged) {
  return {
    ticketId: change.meta.ticketId,
    conversationId: change.meta.conversationId,
    status: storeStatus(change.status),
    queue: change.queue,
    priority: change.priority,
    intent: change.classification?.intent ?? null,
    assignee: change.assignee,
    slaDueAt: change.slaDueAt,
    subject: change.enrichment?.redactedSubject ?? null,
    updatedAt: change.updatedAt,
  };
}

export type TicketSummary = ReturnType<typeof ticketSummary>;

/**
 * Digits of the time in a list position: every safe integer fits 16 digits, and the fixed width makes the string
 * order of positions their time order.
 */
const TIME_DIGITS = 16;
const MAX_TIME = Number.MAX_SAFE_INTEGER;

/**
 * A ticket's position in the lists, newest first: its updatedAt, zero-padded, then its id. Lists are Redis sorted
 * sets whose members all score 0, so they sort by these bytes: by time, and within one millisecond by id. A page
 * is then one range read after the previous page's last position, exact whatever ties there are.
 */
export function listPosition(updatedAt: number, ticketId: string): string {
  const time = Math.min(MAX_TIME, Math.max(0, Math.trunc(updatedAt)));
  return `${String(time).padStart(TIME_DIGITS, '0')}:${ticketId}`;
}

/** The id in a list position. */
export const ticketIdOfPosition = (position: string): string => position.slice(TIME_DIGITS + 1);

/**
 * How the ticket stands against its first-response deadline:
 *   none     it has no deadline (its customer's policy sets none, or it is not routed yet);
 *   met      it was answered by then: routed to an automatic reply (sent with the decision, seconds after the
 *            message), or an agent's first reply, or leaving `open` for `pending` or `resolved` (without a reply:
 *            at its last update) no later than the deadline;
 *   late     it was answered after the deadline;
 *   waiting  it has not been answered: breached once the deadline has passed.
 * A breach is `late`, or `waiting` with the deadline in the past.
 */
export type SlaState = 'none' | 'met' | 'late' | 'waiting';

export function slaOutcome(change: TicketChanged): { state: SlaState; respondedAt: number | null } {
  const firstReply = change.replies.reduce<number | null>(
    (first, r) => (first === null || r.at < first ? r.at : first),
    null,
  );
  const status = storeStatus(change.status);
  const respondedAt = firstReply ?? (status === 'pending' || status === 'resolved' ? change.updatedAt : null);
  if (change.slaDueAt === null) return { state: 'none', respondedAt };
  if (change.routing?.decision === 'AUTO_REPLY') return { state: 'met', respondedAt };
  if (respondedAt === null) return { state: 'waiting', respondedAt };
  return { state: respondedAt <= change.slaDueAt ? 'met' : 'late', respondedAt };
}

/** The states that are breaches once their deadline lies in the past. */
export const BREACH_STATES: readonly SlaState[] = ['late', 'waiting'];
