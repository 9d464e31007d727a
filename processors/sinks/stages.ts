/**
 * The three ticket sinks as handlers on the shared runtime: each folds an event into its store and emits
 * nothing. Every store write is idempotent by event id, so the runtime's at-least-once redelivery (crash,
 * rebalance, replay) never shows a user an effect twice.
 */
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import { eventCatalog, type RecordSchema } from '../../schemas/index.js';
import { consumerBinding } from '../../topics/lookup.js';
import { ticketflow } from '../../topics/topology.js';
import type { StageWiring } from '../runtime/runner.js';
import type { Stage } from '../runtime/stage.js';
import type { TicketEvent } from './events.js';
import { applyToLiveViews } from './live-views.js';
import { indexTicket } from './search-index.js';
import { applyToTicketStore, storeTicketEvent } from './ticket-store.js';

export const SINK_NAMES = ['ticket-store', 'search-index', 'live-views'] as const;
export type SinkName = (typeof SINK_NAMES)[number];

export const SINK_VERSION = '1.0.0';

export type Sink = Stage<TicketEvent, never>;

export function isSinkName(name: string): name is SinkName {
  return (SINK_NAMES as readonly string[]).includes(name);
}

/** The sink's topics and group as the topology declares them, and a reader schema for each input topic. */
export function sinkWiring(name: SinkName): { wiring: StageWiring; readerSchema: (topic: string) => RecordSchema } {
  const binding = consumerBinding(ticketflow, name);
  if (binding.kind !== 'sink' || binding.outputs.length > 0) throw new Error(`${name} must be a sink without outputs`);
  const schemas = new Map<string, RecordSchema>();
  for (const topic of binding.inputs) {
    if (!topic.eventType || !eventCatalog().has(topic.eventType)) throw new Error(`${topic.name} has no event type`);
    schemas.set(topic.name, eventCatalog().get(topic.eventType).schema);
  }
  return {
    wiring: {
      groupId: binding.groupId,
      inputTopics: binding.inputs.map((t) => t.name),
      deadLetterTopic: binding.deadLetter.name,
    },
    readerSchema: (topic) => {
      const schema = schemas.get(topic);
      if (!schema) throw new Error(`${name} does not read ${topic}`);
      return schema;
    },
  };
}

function sink(name: SinkName, apply: (event: TicketEvent) => Promise<unknown>): Sink {
  const { readerSchema } = sinkWiring(name);
  return {
    name,
    version: SINK_VERSION,
    inputSchema: readerSchema,
    async handle(event) {
      await apply(event);
      return [];
    },
  };
}

export function ticketStoreSink(db: Db): Sink {
  return sink('ticket-store', (event) => applyToTicketStore(db, event));
}

/**
 * The search index is a projection of the ticket store. The event that wakes it is folded into the store first
 * (a no-op when the ticket-store sink got there before), so the document indexed always includes that event,
 * whichever sink runs ahead; the ticket's revision as external version keeps a slower writer from rolling it back.
 */
export function searchIndexSink(db: Db, es: Client, options: { index?: string } = {}): Sink {
  return sink('search-index', async (event) => {
    const { ticket } = await storeTicketEvent(db, event);
    await indexTicket(es, ticket, options);
  });
}

export function liveViewsSink(redis: Redis): Sink {
  return sink('live-views', (event) => applyToLiveViews(redis, event));
}
