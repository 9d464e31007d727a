/**
 * The ticket as the ticket store keeps it, and the pure fold of one event into it. Every section that later
 * events may carry again (enrichment, classification, …) and every derived field (status, queue, …) remembers
 * the `factOrder` of the event that wrote it, and is only replaced by a newer event; collections (interactions,
 * replies) are keyed by id. So events can be applied in any order and converge on the same document, and an
 * event applied again changes nothing, however late it comes back: duplicates are recognised by content, with
 * no memory of event ids (which grew without bound per ticket before).
 */
import type {
  Attachment,
  Channel,
  Classification,
  CustomerRef,
  Draft,
  Enrichment,
  Grounding,
  Priority,
  Routing,
  TicketReply,
} from '../../schemas/generated/events.js';
import { classify, ticketKey, type TicketEvent } from './events.js';
import { sameData } from './same-data.js';
import { ticketFacts, type TicketStatus } from './ticket-facts.js';

/** The customer's message exactly as received: the only copy of the unredacted text outside the received topic. */
export interface OriginalMessage {
  subject: string | null;
  body: string;
  externalMessageId: string | null;
  localeHint: string | null;
  /** As received: their file names may hold personal data. */
  attachments?: Attachment[];
}

export interface TicketInteraction {
  interactionId: string;
  channel: Channel;
  customer: CustomerRef;
  receivedAt: number;
  /** With redacted file names, from the enriched interaction on; empty until enrich has run. */
  attachments: Attachment[];
  /** Absent until the InteractionReceived itself is applied; later events only carry the redacted text. */
  message?: OriginalMessage;
}

export interface TicketDocument {
  _id: string;
  orgId: string;
  conversationId: string;
  ticketId: string;
  status: TicketStatus;
  /** The ticket's first message (earliest received interaction whose InteractionReceived was applied). */
  message: OriginalMessage | null;
  interactions: TicketInteraction[];
  enrichment: Enrichment | null;
  classification: Classification | null;
  grounding: Grounding | null;
  draft: (Draft & { eventId: string }) | null;
  routing: Routing | null;
  queue: string | null;
  priority: Priority | null;
  slaDueAt: number | null;
  assignee: string | null;
  replies: TicketReply[];
  resolution: string | null;
  /** Latest occurredAt of any applied event. */
  updatedAt: number;
  /** factOrder of the event that last wrote each field, keyed by field name. */
  writtenAt: Record<string, number>;
  /** Incremented by every event that changed the ticket; the views keep the highest they have seen. */
  revision: number;
}

export function emptyTicket(event: TicketEvent): TicketDocument {
  const { orgId, ticketId, conversationId } = event.meta;
  return {
    _id: ticketKey(orgId, ticketId),
    orgId,
    conversationId,
    ticketId,
    status: 'open',
    message: null,
    interactions: [],
    enrichment: null,
    classification: null,
    grounding: null,
    draft: null,
    routing: null,
    queue: null,
    priority: null,
    slaDueAt: null,
    assignee: null,
    replies: [],
    resolution: null,
    updatedAt: event.meta.occurredAt,
    writtenAt: {},
    revision: 0,
  };
}

type Writable = Omit<TicketDocument, '_id' | 'orgId' | 'ticketId' | 'writtenAt' | 'revision'>;

/**
 * Writes `value` unless an event at least as new already wrote the field. An equal order keeps what is there,
 * so an event applied again is a no-op (two different events of one kind in the same millisecond on one
 * ticket keep whichever was applied first).
 */
function write<F extends keyof Writable>(doc: TicketDocument, field: F, value: Writable[F], order: number): void {
  const previous = doc.writtenAt[field];
  if (previous !== undefined && previous >= order) return;
  doc[field] = value as TicketDocument[F];
  doc.writtenAt[field] = order;
}

/**
 * Merges what an event says about one interaction. The received event brings only the original message (its
 * attachments' names unredacted, so kept inside it); the later ones bring the redacted summary, which never
 * overwrites the message. Either may come first.
 */
function upsertInteraction(doc: TicketDocument, next: TicketInteraction): void {
  const i = doc.interactions.findIndex((x) => x.interactionId === next.interactionId);
  const existing = doc.interactions[i];
  if (!existing) doc.interactions.push(next);
  else if (next.message) doc.interactions[i] = { ...existing, message: next.message };
  else doc.interactions[i] = { ...next, ...(existing.message ? { message: existing.message } : {}) };
  doc.interactions.sort((a, b) => a.receivedAt - b.receivedAt || a.interactionId.localeCompare(b.interactionId));
  doc.message = doc.interactions.find((x) => x.message)?.message ?? null;
}

/**
 * Returns the ticket with the event applied and its revision moved on, or the very same ticket (`===`) when the
 * event changes nothing: it was applied before, or newer facts already won. Never mutates its input.
 */
export function foldTicket(current: TicketDocument | null, event: TicketEvent): TicketDocument {
  const doc: TicketDocument = structuredClone(current ?? emptyTicket(event));
  const facts = ticketFacts(event);
  const { order } = facts;
  const c = classify(event);

  if (c.kind === 'InteractionReceived') {
    const e = c.event;
    upsertInteraction(doc, {
      interactionId: e.meta.eventId,
      channel: e.channel,
      customer: e.customer,
      receivedAt: e.meta.occurredAt,
      attachments: [],
      message: {
        subject: e.subject,
        body: e.body,
        externalMessageId: e.externalMessageId,
        localeHint: e.localeHint,
        attachments: e.attachments,
      },
    });
  } else if (c.kind !== 'TicketCommand') {
    const e = c.event;
    upsertInteraction(doc, { ...e.interaction });
    write(doc, 'enrichment', e.enrichment, order);
    if ('classification' in e) write(doc, 'classification', e.classification, order);
    if ('grounding' in e) write(doc, 'grounding', e.grounding, order);
    if ('draft' in e) write(doc, 'draft', { ...e.draft, eventId: draftEventId(c) }, order);
    if ('routing' in e) write(doc, 'routing', e.routing, order);
  } else {
    const cmd = c.event;
    if (cmd.command === 'REPLY' && cmd.replyText !== null && !doc.replies.some((r) => r.eventId === cmd.meta.eventId)) {
      doc.replies.push({
        eventId: cmd.meta.eventId,
        actorId: cmd.actor.actorId,
        text: cmd.replyText,
        draftEventId: cmd.draftEventId,
        at: cmd.meta.occurredAt,
      });
      doc.replies.sort((a, b) => a.at - b.at || a.eventId.localeCompare(b.eventId));
    }
    if (cmd.command === 'RESOLVE') write(doc, 'resolution', cmd.resolution, order);
    if (cmd.command === 'REOPEN') write(doc, 'resolution', null, order);
  }

  if (facts.status !== undefined) write(doc, 'status', facts.status, order);
  if (facts.placement) {
    write(doc, 'queue', facts.placement.queue, order);
    write(doc, 'slaDueAt', facts.placement.slaDueAt, order);
  }
  if (facts.queue !== undefined) write(doc, 'queue', facts.queue, order);
  if (facts.priority !== undefined) write(doc, 'priority', facts.priority, order);
  if (facts.assignee !== undefined) write(doc, 'assignee', facts.assignee, order);

  doc.updatedAt = Math.max(doc.updatedAt, event.meta.occurredAt);
  if (current && sameFacts(doc, current)) return current;
  doc.revision += 1;
  return doc;
}

/**
 * A replay re-derives events with new occurrence times and, mostly, the facts already stored. Those change only
 * the bookkeeping (`writtenAt`, `updatedAt`); counting them as a change would move the revision, the lists'
 * order and every view for nothing. Left unwritten, the older orders stay, so a genuinely newer fact still in
 * flight wins over the re-derived copy of an older one, as it should.
 */
function sameFacts(a: TicketDocument, b: TicketDocument): boolean {
  return sameData({ ...a, writtenAt: null, updatedAt: 0 }, { ...b, writtenAt: null, updatedAt: 0 });
}

/** The draft's own event id, so a later REPLY's draftEventId can be matched to it. */
function draftEventId(c: ReturnType<typeof classify>): string {
  if (c.kind === 'ResponseDrafted') return c.event.meta.eventId;
  // RoutingDecided carries the draft forward; its cause is the ResponseDrafted.
  return c.event.meta.causationId ?? c.event.meta.eventId;
}
