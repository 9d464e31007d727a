/**
 * Tickets of a test's own making for the query API's integration tests: the fixture chain (processors/sinks
 * test-support.ts) re-shaped per ticket (its times, intent, priority, queue, routing and deadline), commands on
 * them, and the stores cleaned afterwards. Events go through the sinks' own code (`materialize`): the ticket
 * store, then its changelog into the search index and the live views.
 */
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import type { Priority, RoutingDecided, TicketCommand } from '../schemas/index.js';
import type { TicketEvent } from '../processors/sinks/events.js';
import { liveViewKeys } from '../processors/sinks/live-views.js';
import { TICKET_INDEX } from '../processors/sinks/search-index.js';
import { fixtureChain } from '../processors/sinks/test-support.js';
import { ticketsCollection } from '../processors/sinks/ticket-store.js';

export interface TicketSpec {
  readonly ticketId: string;
  /** When its message was received (ms); every later event of its chain keeps its distance from this. */
  readonly at: number;
  readonly intent?: string;
  readonly priority?: Priority;
  readonly queue?: string;
  readonly decision?: 'HUMAN' | 'AUTO_REPLY';
  /** The first-response deadline; null for none; by default the fixture's distance from `at` (two hours). */
  readonly slaDueAt?: number | null;
  /** When an agent replies (ms); null: no reply. By default the fixture's, a minute after `at`. */
  readonly replyAt?: number | null;
}

/** The whole chain of one ticket, received → routed, and the agent's reply unless told otherwise. */
export function ticketEvents(orgId: string, spec: TicketSpec): TicketEvent[] {
  const chain = fixtureChain(orgId);
  const receivedAt = chain[0]!.meta.occurredAt;
  const shift = spec.at - receivedAt;
  const out: TicketEvent[] = [];
  for (const original of chain) {
    const event = structuredClone(original) as TicketEvent & Partial<RoutingDecided>;
    event.meta = {
      ...event.meta,
      ticketId: spec.ticketId,
      conversationId: `conv-${spec.ticketId}`,
      eventId: `${event.meta.eventId}-${spec.ticketId}`,
      occurredAt: event.meta.occurredAt + shift,
    };
    if ('interaction' in event && event.interaction) {
      event.interaction = { ...event.interaction, receivedAt: event.interaction.receivedAt + shift };
    }
    if ('classification' in event && event.classification) {
      event.classification = {
        ...event.classification,
        intent: spec.intent ?? event.classification.intent,
        priority: spec.priority ?? event.classification.priority,
      };
    }
    if (event.routing) {
      const due = spec.slaDueAt === undefined ? (event.routing.firstResponseDueAt ?? 0) + shift : spec.slaDueAt;
      event.routing = {
        ...event.routing,
        decision: spec.decision ?? 'HUMAN',
        queue: spec.queue ?? event.routing.queue,
        priority: spec.priority ?? event.routing.priority,
        firstResponseDueAt: due,
      };
    }
    if ('command' in event) {
      if (spec.replyAt === null) continue;
      if (spec.replyAt !== undefined) event.meta = { ...event.meta, occurredAt: spec.replyAt };
    }
    out.push(event);
  }
  return out;
}

let commands = 0;

/** An agent's command on a ticket at `at`, with an event id of its own. */
export function commandEvent(
  orgId: string,
  ticketId: string,
  at: number,
  patch: Pick<TicketCommand, 'command'> & Partial<TicketCommand>,
): TicketEvent {
  const base = fixtureChain(orgId).at(-1) as TicketCommand;
  return {
    ...base,
    replyText: null,
    draftEventId: null,
    ...patch,
    meta: {
      ...base.meta,
      ticketId,
      conversationId: `conv-${ticketId}`,
      eventId: `${base.meta.eventId}-${ticketId}-cmd-${++commands}`,
      occurredAt: at,
    },
  };
}

/** Everything the tests' orgs left in Mongo, Elasticsearch and Redis. */
export async function removeTestOrgs(
  stores: { db: Db; es: Client; redis: Redis },
  orgIds: readonly string[],
): Promise<void> {
  await ticketsCollection(stores.db).deleteMany({ orgId: { $in: [...orgIds] } });
  for (const orgId of orgIds) {
    const { hits } = await stores.es.search({
      index: TICKET_INDEX,
      size: 10_000,
      _source: false,
      query: { term: { org_id: orgId } },
    });
    if (hits.hits.length > 0) {
      await stores.es.bulk({
        operations: hits.hits.map((hit) => ({ delete: { _index: TICKET_INDEX, _id: hit._id! } })),
        refresh: true,
      });
    }
    for (const pattern of [...liveViewKeys.patterns(orgId), `tf:query:limit:*:${orgId}*`]) {
      const keys = await stores.redis.keys(pattern);
      if (keys.length > 0) await stores.redis.del(...keys);
    }
  }
}
