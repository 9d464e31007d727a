/**
 * The events the ticket sinks read, told apart by shape, and the order in which their facts win. Sinks are fed
 * from several topics, so events of one ticket may arrive out of order (a RoutingDecided before the
 * InteractionEnriched it descends from); every sink resolves conflicts with the same `factOrder`.
 */
import type {
  InteractionClassified,
  InteractionEnriched,
  InteractionGrounded,
  InteractionReceived,
  ResponseDrafted,
  RoutingDecided,
  TicketCommand,
} from '../../schemas/generated/events.js';

export type TicketEvent =
  | InteractionReceived
  | InteractionEnriched
  | InteractionClassified
  | InteractionGrounded
  | ResponseDrafted
  | RoutingDecided
  | TicketCommand;

export type TicketEventKind =
  | 'InteractionReceived'
  | 'InteractionEnriched'
  | 'InteractionClassified'
  | 'InteractionGrounded'
  | 'ResponseDrafted'
  | 'RoutingDecided'
  | 'TicketCommand';

/** Position in the pipeline; commands come last because they act on a ticket the pipeline already made. */
export const STAGE_RANK: Readonly<Record<TicketEventKind, number>> = {
  InteractionReceived: 1,
  InteractionEnriched: 2,
  InteractionClassified: 3,
  InteractionGrounded: 4,
  ResponseDrafted: 5,
  RoutingDecided: 6,
  TicketCommand: 7,
};

/** Every event a ticket is made of, in pipeline order. */
export const TICKET_EVENT_KINDS = Object.keys(STAGE_RANK) as TicketEventKind[];

export type Classified<K extends TicketEventKind = TicketEventKind> = {
  [N in K]: { kind: N; event: EventOf<N> };
}[K];

type EventOf<K extends TicketEventKind> = {
  InteractionReceived: InteractionReceived;
  InteractionEnriched: InteractionEnriched;
  InteractionClassified: InteractionClassified;
  InteractionGrounded: InteractionGrounded;
  ResponseDrafted: ResponseDrafted;
  RoutingDecided: RoutingDecided;
  TicketCommand: TicketCommand;
}[K];

/**
 * Later events carry every earlier section forward, so the most specific section present names the type.
 * Checked from the last stage back for that reason.
 */
export function classify(event: TicketEvent): Classified {
  if ('command' in event) return { kind: 'TicketCommand', event };
  if ('routing' in event) return { kind: 'RoutingDecided', event };
  if ('draft' in event) return { kind: 'ResponseDrafted', event };
  if ('grounding' in event) return { kind: 'InteractionGrounded', event };
  if ('classification' in event) return { kind: 'InteractionClassified', event };
  if ('enrichment' in event) return { kind: 'InteractionEnriched', event };
  if ('body' in event) return { kind: 'InteractionReceived', event };
  throw new Error(`not a ticket event: ${JSON.stringify((event as { meta?: unknown }).meta ?? null)}`);
}

/**
 * The rule every sink uses to decide which of two events' facts wins: the later fact time, and on a tie the
 * later stage. One number so it can be compared inside Mongo documents and Redis scripts alike; times are in
 * milliseconds (< 2^44), so multiplying by 16 stays an exact double.
 */
export function factOrder(kind: TicketEventKind, time: number): number {
  return time * 16 + STAGE_RANK[kind];
}

/**
 * The time an event's facts belong to. For the pipeline's events it is the interaction's arrival, which every
 * stage carries forward unchanged: the chain of one interaction is ordered by stage alone, a new interaction's
 * chain replaces the previous one's, and a replay re-derives events with the very orders of the first pass, so
 * it cannot pass for news and undo a later command. A command's facts belong to the moment it was given.
 */
export function factTime(c: Classified): number {
  if (c.kind === 'InteractionReceived' || c.kind === 'TicketCommand') return c.event.meta.occurredAt;
  return c.event.interaction.receivedAt;
}

export function ticketKey(orgId: string, ticketId: string): string {
  return `${orgId}:${ticketId}`;
}
