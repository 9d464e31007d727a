/**
 * What one event says about the ticket's current state, independently of any store: the status, queue and
 * so on it implies. The ticket store and the live views both apply these with `factOrder`, so they agree.
 */
import type { Priority } from '../../schemas/generated/events.js';
import { classify, factOrder, factTime, type TicketEvent, type TicketEventKind } from './events.js';

/**
 * open: being processed or waiting for an agent; pending: an agent replied and the customer is expected to;
 * auto_replied: the draft was sent without review; resolved: closed by a command.
 */
export type TicketStatus = 'open' | 'pending' | 'auto_replied' | 'resolved';

export interface TicketFacts {
  kind: TicketEventKind;
  order: number;
  status?: TicketStatus;
  /** Queue and deadline travel together so a re-route never pairs one queue with another's deadline. */
  placement?: { queue: string; slaDueAt: number | null };
  /** ASSIGN may move the ticket without changing its deadline. */
  queue?: string;
  intent?: string;
  priority?: Priority;
  /** null unassigns. */
  assignee?: string | null;
}

export function ticketFacts(event: TicketEvent): TicketFacts {
  const c = classify(event);
  const base: TicketFacts = { kind: c.kind, order: factOrder(c.kind, factTime(c)) };
  switch (c.kind) {
    case 'InteractionReceived':
    case 'InteractionEnriched':
      return { ...base, status: 'open' };
    case 'InteractionClassified':
    case 'InteractionGrounded':
    case 'ResponseDrafted':
      return {
        ...base,
        status: 'open',
        intent: c.event.classification.intent,
        priority: c.event.classification.priority,
      };
    case 'RoutingDecided': {
      const { routing, classification } = c.event;
      return {
        ...base,
        status: routing.decision === 'AUTO_REPLY' ? 'auto_replied' : 'open',
        placement: { queue: routing.queue, slaDueAt: routing.firstResponseDueAt },
        intent: classification.intent,
        // Routing may raise the classifier's priority, and it comes later, so its value wins.
        priority: routing.priority,
      };
    }
    case 'TicketCommand': {
      const cmd = c.event;
      switch (cmd.command) {
        case 'ASSIGN':
          return { ...base, assignee: cmd.assignee, ...(cmd.queue !== null ? { queue: cmd.queue } : {}) };
        case 'REPLY':
          return { ...base, status: 'pending' };
        case 'RESOLVE':
          return { ...base, status: 'resolved' };
        case 'REOPEN':
          return { ...base, status: 'open' };
        default:
          // A command kind this reader does not know changes nothing rather than guessing.
          return base;
      }
    }
  }
}
