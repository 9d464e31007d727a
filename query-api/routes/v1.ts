/**
 * The authenticated read API. A hook verifies the bearer token before any handler runs, and every read below
 * is scoped to `request.orgId`: a ticket of another org is indistinguishable from one that does not exist.
 *
 * Every route reads a view the sinks built from the ticket store's changelog, in one round trip: the live views
 * in Redis for a ticket, lists, queues and counters; the search index for full text and aggregations over time.
 * No request reads the ticket store (the system of record), and none scans a keyspace.
 */
import type { Client } from '@elastic/elasticsearch';
import type { FastifyPluginAsync } from 'fastify';
import type { Redis } from 'ioredis';
import type { KbSearchHit, KbSearchOptions } from '../../processors/retrieve/hybrid/kb-search.js';
import { searchTickets, TICKET_INDEX } from '../../processors/sinks/search-index.js';
import { answerKey, type AnswerCache } from '../answer-cache.js';
import { cursorOfPosition, CursorError, decodeCursor, encodeCursor, positionOfCursor } from '../cursor.js';
import { HttpError, invalidParam, unavailableStore } from '../errors.js';
import { guardRequests, type GuardOptions } from '../guard.js';
import { detailOfOlderDocument, readSlaBreaches, readTicketDocument, readTicketStats } from '../index-reads.js';
import { liveViewsPointer } from '../../processors/sinks/live-views-versions.js';
import { readCounts, readDetail, readListPage, readQueues, withReadScripts } from '../live-view-reads.js';
import { searchHit } from '../views.js';
import { schemas } from './schemas.js';

/** The knowledge base as the API searches it: ready once its table caught up with the chunks topic. */
export interface KnowledgeSearch {
  caughtUp(): boolean;
  search(orgId: string, question: string, options: KbSearchOptions): Promise<KbSearchHit[]>;
}

export interface V1Options extends GuardOptions {
  /** Without it, GET /v1/kb/search answers 503. */
  readonly knowledge?: KnowledgeSearch;
  readonly es: Client;
  readonly redis: Redis;
  /** Answers of the search index reused for the same question (answer-cache.ts). */
  readonly answers: AnswerCache;
  readonly searchIndex?: string;
  readonly now: () => number;
}

export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 20;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Now to the second: aggregations over the same second are the same query, which the index's cache answers. */
const toTheSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

const JSON_TYPE = 'application/json; charset=utf-8';

export const v1Routes: FastifyPluginAsync<V1Options> = async (app, opts) => {
  const { es, now, answers } = opts;
  const redis = withReadScripts(opts.redis);
  // Which version of the live views to read: a rebuild switches it (ticketflow views rebuild live-views).
  const views = liveViewsPointer(opts.redis);
  const index = opts.searchIndex ?? TICKET_INDEX;

  guardRequests(app, opts);

  app.get<{ Params: { id: string } }>(
    '/v1/tickets/:id',
    { schema: { params: schemas.getTicket.params } },
    async (request, reply) => {
      const { orgId } = request;
      const { id } = request.params;
      // Stored as JSON by the sink: sent as it is, neither parsed nor serialized here. While Redis is away the
      // search index, which holds the same detail, answers instead.
      const stored = await views
        .current()
        .then((version) => readDetail(redis, version, orgId, id))
        .catch((error: unknown) => {
          if (!unavailableStore(error)) throw error;
          return null;
        });
      if (stored !== null) return reply.type(JSON_TYPE).send(stored);
      // Views from before the detail was kept in Redis, or a ticket the live views have not caught up with.
      const doc = await readTicketDocument(es, index, orgId, id);
      if (!doc) throw new HttpError(404, 'not_found', `no ticket ${id}`);
      return reply.type(JSON_TYPE).send(JSON.stringify(doc.detail ?? detailOfOlderDocument(doc)));
    },
  );

  app.get<{
    Querystring: {
      status?: string;
      queue?: string;
      priority?: string;
      intent?: string;
      limit: number;
      cursor?: string;
    };
  }>('/v1/tickets', { schema: schemas.listTickets }, async (request, reply) => {
    const { status, queue, priority, intent, limit, cursor } = request.query;
    let after: string | null = null;
    if (cursor !== undefined) {
      try {
        after = positionOfCursor(decodeCursor(cursor));
      } catch (error) {
        if (error instanceof CursorError) throw invalidParam('query', 'cursor', 'format', error.message);
        throw error;
      }
    }
    const page = await readListPage(
      redis,
      await views.current(),
      request.orgId,
      { status, queue, priority, intent },
      limit,
      after,
    );
    // The items are the summaries' JSON as the sink stored them: joined, not parsed and serialized again.
    const nextCursor = page.next === null ? 'null' : JSON.stringify(encodeCursor(cursorOfPosition(page.next)));
    return reply.type(JSON_TYPE).send(`{"items":[${page.items.join(',')}],"nextCursor":${nextCursor}}`);
  });

  const search = async (orgId: string, q: string, limit: number) => {
    const hits = await searchTickets(es, orgId, q, { index, size: limit }).catch((error: unknown) => {
      // Before the first ticket is indexed the index does not exist: nothing matches, which is no error.
      if ((error as { body?: { error?: { type?: string } } }).body?.error?.type === 'index_not_found_exception') {
        return [];
      }
      throw error;
    });
    // The search is filtered by org already; checking again costs nothing and keeps a mapping slip harmless.
    return { items: hits.filter((h) => h.ticket.org_id === orgId).map((h) => searchHit(h.ticket, h.score)) };
  };
  app.get<{ Querystring: { q: string; limit: number } }>('/v1/search', { schema: schemas.search }, (request) => {
    const { orgId } = request;
    const { q, limit } = request.query;
    return answers.get(answerKey('search', orgId, q, limit), () => search(orgId, q, limit));
  });

  app.get<{ Querystring: { q: string; k: number; language?: string } }>(
    '/v1/kb/search',
    { schema: schemas.kbSearch },
    async (request) => {
      const { knowledge } = opts;
      if (!knowledge?.caughtUp()) {
        throw new HttpError(503, 'unavailable', 'the knowledge base is still loading; retry shortly', {
          retryAfterSeconds: 1,
        });
      }
      const { q, k, language } = request.query;
      // Scoped by construction: the token's org names the one index searched.
      return { hits: await knowledge.search(request.orgId, q, { k, ...(language ? { language } : {}) }) };
    },
  );

  app.get('/v1/queues', { schema: schemas.queues }, async (request) => {
    const at = now();
    return { queues: await readQueues(redis, await views.current(), request.orgId, at), at };
  });

  app.get('/v1/counts', { schema: schemas.counts }, async (request) => {
    const at = now();
    return { ...(await readCounts(redis, await views.current(), request.orgId)), at };
  });

  app.get<{ Querystring: { from?: number; to?: number } }>('/v1/stats', { schema: schemas.stats }, (request) => {
    const { orgId } = request;
    const to = request.query.to ?? toTheSecond(now());
    const from = request.query.from ?? Math.max(0, to - DAY_MS);
    return answers.get(answerKey('stats', orgId, from, to), () => readTicketStats(es, index, orgId, from, to));
  });

  app.get<{ Querystring: { hours: number } }>('/v1/stats/sla-breaches', { schema: schemas.slaBreaches }, (request) => {
    const { orgId } = request;
    const { hours } = request.query;
    const to = toTheSecond(now());
    const from = Math.max(0, to - hours * HOUR_MS);
    return answers.get(answerKey('sla-breaches', orgId, hours, from, to), async () => ({
      hours,
      ...(await readSlaBreaches(es, index, orgId, from, to)),
    }));
  });
};
