/**
 * The authenticated read API. A hook verifies the bearer token before any handler runs, and every read below
 * filters by `request.orgId`: a ticket of another org is indistinguishable from one that does not exist.
 */
import type { Client } from '@elastic/elasticsearch';
import type { FastifyPluginAsync } from 'fastify';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import { ticketKey } from '../../processors/sinks/events.js';
import { liveViewKeys } from '../../processors/sinks/live-views.js';
import { searchTickets, TICKET_INDEX } from '../../processors/sinks/search-index.js';
import type { TicketDocument } from '../../processors/sinks/ticket-document.js';
import { ticketsCollection } from '../../processors/sinks/ticket-store.js';
import { afterCursorFilter, CursorError, decodeCursor, encodeCursor } from '../cursor.js';
import { HttpError, invalidParam } from '../errors.js';
import { guardRequests, type GuardOptions } from '../guard.js';
import { searchHit, ticketDetail, ticketSummary } from '../views.js';
import { schemas } from './schemas.js';

export interface V1Options extends GuardOptions {
  readonly db: Db;
  readonly es: Client;
  readonly redis: Redis;
  readonly searchIndex?: string;
  readonly now: () => number;
}

export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 20;

/** Glob characters in an org id must match themselves in a SCAN pattern. */
const globEscape = (s: string) => s.replace(/[*?[\]\\]/g, '\\$&');

export const v1Routes: FastifyPluginAsync<V1Options> = async (app, opts) => {
  const { db, es, redis, now } = opts;
  const tickets = ticketsCollection(db);

  guardRequests(app, opts);

  app.get<{ Params: { id: string } }>('/v1/tickets/:id', { schema: schemas.getTicket }, async (request) => {
    const { orgId } = request;
    const doc = await tickets.findOne({ _id: ticketKey(orgId, request.params.id), orgId });
    if (!doc) throw new HttpError(404, 'not_found', `no ticket ${request.params.id}`);
    return ticketDetail(doc);
  });

  app.get<{
    Querystring: {
      status?: string;
      queue?: string;
      priority?: string;
      intent?: string;
      limit: number;
      cursor?: string;
    };
  }>('/v1/tickets', { schema: schemas.listTickets }, async (request) => {
    const { orgId } = request;
    const { status, queue, priority, intent, limit, cursor } = request.query;
    const filter: Record<string, unknown> = { orgId };
    if (status !== undefined) filter.status = status;
    if (queue !== undefined) filter.queue = queue;
    if (priority !== undefined) filter.priority = priority;
    if (intent !== undefined) filter['classification.intent'] = intent;
    if (cursor !== undefined) {
      try {
        Object.assign(filter, afterCursorFilter(decodeCursor(cursor)));
      } catch (error) {
        if (error instanceof CursorError) throw invalidParam('query', 'cursor', 'format', error.message);
        throw error;
      }
    }
    const page: TicketDocument[] = await tickets
      .find(filter)
      .sort({ updatedAt: -1, _id: -1 })
      .limit(limit + 1)
      .toArray();
    const more = page.length > limit;
    const items = more ? page.slice(0, limit) : page;
    const last = items.at(-1);
    return {
      items: items.map(ticketSummary),
      nextCursor: more && last ? encodeCursor({ updatedAt: last.updatedAt, id: last._id }) : null,
    };
  });

  app.get<{ Querystring: { q: string; limit: number } }>('/v1/search', { schema: schemas.search }, async (request) => {
    const hits = await searchTickets(es, request.orgId, request.query.q, {
      index: opts.searchIndex ?? TICKET_INDEX,
      size: request.query.limit,
    }).catch((error: unknown) => {
      // Before the first ticket is indexed the index does not exist: nothing matches, which is no error.
      if ((error as { body?: { error?: { type?: string } } }).body?.error?.type === 'index_not_found_exception') {
        return [];
      }
      throw error;
    });
    // The search is filtered by org already; checking again costs nothing and keeps a mapping slip harmless.
    return {
      items: hits.filter((h) => h.ticket.org_id === request.orgId).map((h) => searchHit(h.ticket, h.score)),
    };
  });

  app.get('/v1/queues', { schema: schemas.queues }, async (request) => {
    const { orgId } = request;
    const prefix = liveViewKeys.queuePrefix(orgId);
    const keys = new Set<string>();
    let scanCursor = '0';
    do {
      const [next, batch] = await redis.scan(scanCursor, 'MATCH', `${globEscape(prefix)}*`, 'COUNT', 500);
      scanCursor = next;
      for (const key of batch) keys.add(key);
    } while (scanCursor !== '0');
    const at = now();
    const queues = await Promise.all(
      [...keys].sort().map(async (key) => {
        const [depth, breaching, members] = await Promise.all([
          redis.zcard(key),
          redis.zcount(key, '-inf', String(at)),
          redis.zrange(key, '0', '-1'),
        ]);
        let oldest: number | null = null;
        if (members.length > 0) {
          const pipeline = redis.pipeline();
          for (const id of members) pipeline.hget(liveViewKeys.ticket(orgId, id), 'updatedAt');
          for (const [, value] of (await pipeline.exec()) ?? []) {
            const t = Number(value);
            if (typeof value === 'string' && value !== '' && Number.isFinite(t)) oldest = Math.min(oldest ?? t, t);
          }
        }
        return {
          queue: key.slice(prefix.length),
          depth,
          oldestAgeSeconds: oldest === null ? null : Math.max(0, Math.floor((at - oldest) / 1000)),
          breaching,
        };
      }),
    );
    return { queues: queues.filter((q) => q.depth > 0), at };
  });
};
