/**
 * The three ticket sinks as batch handlers on the shared runtime. The ticket store folds every step of the
 * pipeline into the system of record and publishes each stored revision on its changelog; the search index and
 * the live views project that changelog. Every write is idempotent (by content in the store, by revision in the
 * views), so the runtime's at-least-once redelivery (crash, rebalance, replay) never shows a user an effect twice.
 */
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import type { TicketChanged } from '../../schemas/index.js';
import type { Dependency } from '../runtime/dependency.js';
import { PermanentError } from '../runtime/errors.js';
import { failed, type BatchStage, type ItemResult } from '../runtime/stage.js';
import { TICKET_EVENT_KINDS, ticketKey, type TicketEvent } from './events.js';
import { applyChanges, registerQueuesOfOlderViews } from './live-views.js';
import { liveViewsPointer } from './live-views-versions.js';
import { ensureTicketIndex, indexChanges, IndexItemError } from './search-index.js';
import { TICKET_STORE, TICKET_STORE_VERSION, ticketChanged } from './ticket-changes.js';
import { applyTicketEvents, ensureTicketStoreIndexes, TicketCache, TicketWriteError } from './ticket-store.js';
import { revisionBase, ticketStorePointer, ticketsOfVersion } from './ticket-store-versions.js';

export const SINK_NAMES = ['ticket-store', 'search-index', 'live-views'] as const;
export type SinkName = (typeof SINK_NAMES)[number];
export const SINK_VERSION = '2.0.0';

export function isSinkName(name: string): name is SinkName {
  return (SINK_NAMES as readonly string[]).includes(name);
}

const idOf = (event: { meta: { orgId: string; ticketId: string } }) => ticketKey(event.meta.orgId, event.meta.ticketId);

/** Runs `setup` once, before the first batch, retrying with the batch while it fails. */
function once(setup: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | null = null;
  return () => {
    done ??= setup().catch((error: unknown) => {
      done = null;
      throw error;
    });
    return done;
  };
}

export interface TicketStoreSinkOptions {
  readonly cacheTickets?: number;
  /**
   * Write this version of the store and publish nothing: a rebuild's sink. Without it the sink writes the
   * version the pointer names and publishes the changelog.
   */
  readonly rebuildVersion?: number;
}

export function ticketStoreSink(
  db: Db,
  mongo: Dependency,
  options: TicketStoreSinkOptions = {},
): BatchStage<TicketEvent, TicketChanged> {
  const cache = new TicketCache(options.cacheTickets ?? 5000);
  const rebuild = options.rebuildVersion;
  const pointer = rebuild === undefined ? ticketStorePointer(db) : null;
  const prepared = new Set<number>();
  let writing: number | null = null;
  const target = async () => {
    const version = pointer ? await pointer.current() : rebuild!;
    const tickets = ticketsOfVersion(db, version);
    if (!prepared.has(version)) {
      await ensureTicketStoreIndexes(tickets);
      prepared.add(version);
    }
    // Cached tickets belong to the version they were read from.
    if (writing !== version) cache.clear();
    writing = version;
    return { tickets, revisionBase: revisionBase(version) };
  };
  return {
    name: TICKET_STORE,
    version: TICKET_STORE_VERSION,
    consumes: TICKET_EVENT_KINDS,
    ...(rebuild === undefined ? { emits: 'TicketChanged' as const } : {}),
    async handleBatch(items) {
      const outcomes = await mongo.call(async () => {
        const { tickets, revisionBase } = await target();
        return applyTicketEvents(
          tickets,
          items.map((item) => item.event),
          cache,
          { revisionBase },
        );
      });
      // One change per ticket and batch, published by the ticket's last event, with the ticket as stored after all
      // of them: even when nothing changed (a batch redone after a crash), so the views never miss a revision.
      const last = new Map<string, number>();
      items.forEach((item, i) => last.set(idOf(item.event), i));
      return items.map((item, i): ItemResult<TicketChanged> => {
        const id = idOf(item.event);
        const outcome = outcomes.get(id);
        if (!outcome) return failed(new Error(`no outcome for ticket ${id}`));
        if (outcome instanceof TicketWriteError) {
          return failed(outcome.permanent ? new PermanentError(outcome.message) : outcome);
        }
        return rebuild === undefined && last.get(id) === i
          ? [ticketChanged(outcome.ticket, item.event.meta.eventId)]
          : [];
      });
    },
  };
}

export function searchIndexSink(
  es: Client,
  elasticsearch: Dependency,
  options: { index?: string } = {},
): BatchStage<TicketChanged, never> {
  const ready = once(() => elasticsearch.call(() => ensureTicketIndex(es, options.index)));
  return {
    name: 'search-index',
    version: SINK_VERSION,
    consumes: ['TicketChanged'],
    async handleBatch(items) {
      await ready();
      const outcomes = await elasticsearch.call(() =>
        indexChanges(
          es,
          items.map((item) => item.event),
          options,
        ),
      );
      return items.map(({ event }) => {
        const outcome = outcomes.get(idOf(event));
        if (!(outcome instanceof IndexItemError)) return [];
        const overloaded = outcome.status === 429 || outcome.status >= 500;
        return failed(overloaded ? elasticsearch.unavailable(outcome.message) : new PermanentError(outcome.message));
      });
    },
  };
}

export interface LiveViewsSinkOptions {
  /** Write this version of the views: a rebuild's sink. Without it the sink writes the version the pointer names. */
  readonly rebuildVersion?: number;
}

export function liveViewsSink(
  redis: Redis,
  dependency: Dependency,
  options: LiveViewsSinkOptions = {},
): BatchStage<TicketChanged, never> {
  const ready = once(() => dependency.call(async () => void (await registerQueuesOfOlderViews(redis))));
  const rebuild = options.rebuildVersion;
  const pointer = rebuild === undefined ? liveViewsPointer(redis) : null;
  return {
    name: 'live-views',
    version: SINK_VERSION,
    consumes: ['TicketChanged'],
    async handleBatch(items) {
      await ready();
      const outcomes = await dependency.call(async () =>
        applyChanges(
          redis,
          items.map((item) => item.event),
          rebuild ?? (await pointer!.current()),
        ),
      );
      return items.map(({ event }) => {
        const outcome = outcomes.get(idOf(event));
        return outcome instanceof Error ? failed(dependency.failure(outcome)) : [];
      });
    },
  };
}
