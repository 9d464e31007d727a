/**
 * The fixture chain re-homed to an org of the test's own, so tests against shared stores never meet each other's
 * data, a deterministic shuffle for replaying it out of order, and the sinks' work done in one call for tests of
 * what reads the views.
 */
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { TicketChanged } from '../../schemas/index.js';
import type { TicketEvent } from './events.js';
import { applyChanges } from './live-views.js';
import { indexChanges } from './search-index.js';
import { ticketChanged } from './ticket-changes.js';
import { foldTicket, type TicketDocument } from './ticket-document.js';
import { applyTicketEvents, ticketsCollection } from './ticket-store.js';

export function fixtureChain(orgId: string): TicketEvent[] {
  const chain: TicketEvent[] = [
    sampleEvents.InteractionReceived,
    sampleEvents.InteractionEnriched,
    sampleEvents.InteractionClassified,
    sampleEvents.InteractionGrounded,
    sampleEvents.ResponseDrafted,
    sampleEvents.RoutingDecided,
    sampleEvents.TicketCommand,
  ];
  return chain.map((event) => ({ ...structuredClone(event), meta: { ...event.meta, orgId } }) as TicketEvent);
}

/** Fisher–Yates driven by a fixed LCG, so a failing order can be reproduced from its seed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Puts events through the three sinks' own code, as the running sinks would: the store first, then its changes
 * into the search index and the live views. For tests of readers (the query API) that need tickets in every store.
 */
export async function materialize(
  stores: { db: Db; es: Client; redis: Redis; index?: string },
  events: readonly TicketEvent[],
): Promise<TicketChanged[]> {
  const results = await applyTicketEvents(ticketsCollection(stores.db), events);
  const changes: TicketChanged[] = [];
  for (const result of results.values()) {
    if (result instanceof Error) throw result;
    changes.push(ticketChanged(result.ticket, 'test'));
  }
  await indexChanges(stores.es, changes, { refresh: 'wait_for', ...(stores.index ? { index: stores.index } : {}) });
  await applyChanges(stores.redis, changes);
  return changes;
}

/** Every revision of the ticket a chain of events makes, as the store would publish them one event at a time. */
export function revisions(events: readonly TicketEvent[]): TicketChanged[] {
  const out: TicketChanged[] = [];
  let doc: TicketDocument | null = null;
  for (const event of events) {
    const next = foldTicket(doc, event);
    if (next !== doc) out.push(ticketChanged((doc = next), event.meta.eventId));
  }
  return out;
}
