/**
 * The query API against the stack's real stores: orgs unique to this run are seeded through the sinks' own
 * functions, read back through app.inject, and deleted afterwards from Mongo, Elasticsearch and Redis. Every
 * route is checked for tenant isolation here; views-exact and dashboard integration tests hold the views to the
 * system of record and the aggregations to a known data set.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Client } from '@elastic/elasticsearch';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import { loadConfig } from '../config/index.js';
import type { TicketEvent } from '../processors/sinks/events.js';
import { liveViewKeys } from '../processors/sinks/live-views.js';
import { ensureTicketIndex, indexChanges, TICKET_INDEX } from '../processors/sinks/search-index.js';
import { fixtureChain, materialize, revisions } from '../processors/sinks/test-support.js';
import { ticketsCollection } from '../processors/sinks/ticket-store.js';
import { sampleEvents } from '../schemas/fixtures.js';
import { buildQueryApp } from './app.js';
import { createJwtVerifier, signDevToken } from './jwt.js';
import { removeTestOrgs } from './test-tickets.js';

const config = loadConfig();
const SECRET = 'integration-test-secret-long-enough-0000';
const mongo = new MongoClient(config.mongo.url, { serverSelectionTimeoutMS: 5000, appName: 'ticketflow-query-it' });
const es = new Client({ node: config.elasticsearch.url, requestTimeout: 10_000, maxRetries: 0 });
const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
const run = randomUUID().slice(0, 8);
const orgA = `it-query-a-${run}`;
const orgB = `it-query-b-${run}`;
/** An org whose views were written by version 1 of the live views: a ticket hash without its detail. */
const orgOld = `it-query-old-${run}`;
const A_TICKETS = 7;
let db: Db;
let app: FastifyInstance;
const seeded: Array<{ orgId: string; ticketId: string }> = [];

/** The fixture chain as ticket `ticketId` of `orgId`, with its own event ids and times shifted by `shiftMs`. */
function chainFor(orgId: string, ticketId: string, shiftMs: number): TicketEvent[] {
  return fixtureChain(orgId).map(
    (event) =>
      ({
        ...event,
        meta: {
          ...event.meta,
          ticketId,
          conversationId: `conv-${ticketId}`,
          eventId: `${event.meta.eventId}-${ticketId}`,
          occurredAt: event.meta.occurredAt + shiftMs,
        },
      }) as TicketEvent,
  );
}

async function seed(orgId: string, ticketId: string, shiftMs: number): Promise<void> {
  seeded.push({ orgId, ticketId });
  await materialize({ db, es, redis }, chainFor(orgId, ticketId, shiftMs));
  assert.ok(await ticketsCollection(db).findOne({ orgId, ticketId }));
}

const tokenA = signDevToken(SECRET, { org: orgA, sub: 'agent-a' });
const tokenB = signDevToken(SECRET, { org: orgB, sub: 'agent-b' });
const get = (url: string, token?: string) =>
  app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

before(async () => {
  await Promise.all([mongo.connect(), redis.connect(), ensureTicketIndex(es)]);
  db = mongo.db(config.mongo.database);
  // Two of org A's tickets share an updatedAt, so pagination must break the tie by id.
  const shifts = [0, 1000, 2000, 2000, 3000, 4000, 5000];
  for (let i = 0; i < A_TICKETS; i++) await seed(orgA, `T-A-${i}`, shifts[i]!);
  await seed(orgB, 'T-B-0', 500);
  app = await buildQueryApp({
    config: { ...config.queryApi, rateLimits: { org: 10_000, user: 10_000, orgEndpoints: {}, userEndpoints: {} } },
    es,
    redis,
    verify: createJwtVerifier({ algorithm: 'HS256', secret: SECRET }),
    version: 'test',
  });
});

after(async () => {
  try {
    await app?.close();
    await removeTestOrgs({ db, es, redis }, [orgA, orgB, orgOld]);
  } finally {
    redis.disconnect();
    await Promise.allSettled([mongo.close(), es.close()]);
  }
});

test('without a token, or with a bad one, /v1 answers 401 with the reason', async () => {
  const missing = await get('/v1/tickets');
  assert.equal(missing.statusCode, 401);
  assert.equal(missing.json().error, 'unauthorized');
  assert.match(missing.json().message, /missing Authorization header/);
  const forged = await get('/v1/tickets', signDevToken('some-other-secret-that-is-long-enough', { org: orgA }));
  assert.equal(forged.statusCode, 401);
  assert.match(forged.json().message, /signature is invalid/);
  const expired = await get('/v1/tickets', signDevToken(SECRET, { org: orgA }, { expiresInSeconds: -3600 }));
  assert.match(expired.json().message, /expired/);
  assert.equal((await get('/v1/queues')).statusCode, 401);
});

test("an org gets its own ticket, and 404 (never data) for another org's", async () => {
  const own = await get('/v1/tickets/T-A-0', tokenA);
  assert.equal(own.statusCode, 200);
  const ticket = own.json();
  assert.equal(ticket.ticketId, 'T-A-0');
  assert.equal(ticket.orgId, orgA);
  assert.equal(ticket.queue, 'billing-en');
  assert.equal(ticket.intent, 'billing.refund');
  assert.equal(ticket.status, 'pending');
  assert.equal(ticket.subject, 'Charged twice for January');
  assert.equal(ticket.draft.citations[0].chunkId, 'doc-refunds#0');
  assert.equal(ticket.replies.length, 1);
  assert.equal(ticket.writtenAt, undefined, 'bookkeeping stays inside');
  assert.equal(ticket.writeId, undefined, 'bookkeeping stays inside');
  // Redacted text only: the customer's message as received never leaves the ticket store.
  assert.equal(ticket.message, undefined);
  assert.ok(!own.body.includes('4111'), 'no card number');
  assert.ok(!own.body.includes('jo@example.com'), 'no email address');
  assert.match(own.headers['content-type'] as string, /^application\/json/);

  const foreign = await get('/v1/tickets/T-B-0', tokenA);
  assert.equal(foreign.statusCode, 404);
  assert.deepEqual(Object.keys(foreign.json()).sort(), ['error', 'message']);
  assert.doesNotMatch(foreign.body, new RegExp(orgB));
  assert.equal((await get('/v1/tickets/T-B-0', tokenB)).statusCode, 200);
});

test('listing walks every page once, newest first, and filters by status, queue, priority and intent', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const url = `/v1/tickets?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
    const response = await get(url, tokenA);
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json() as {
      items: Array<{ ticketId: string; updatedAt: number }>;
      nextCursor: string | null;
    };
    assert.ok(body.items.length <= 2);
    seen.push(...body.items.map((t) => t.ticketId));
    cursor = body.nextCursor;
    pages++;
  } while (cursor);
  assert.equal(pages, Math.ceil(A_TICKETS / 2));
  assert.equal(new Set(seen).size, seen.length, 'no duplicates');
  assert.deepEqual(
    [...seen].sort(),
    Array.from({ length: A_TICKETS }, (_, i) => `T-A-${i}`),
  );
  assert.equal(seen[0], 'T-A-6', 'most recently updated first');

  const filtered = await get('/v1/tickets?status=pending&queue=billing-en&priority=P2&intent=billing.refund', tokenA);
  assert.equal(filtered.json().items.length, A_TICKETS);
  assert.equal((await get('/v1/tickets?status=resolved', tokenA)).json().items.length, 0);
  assert.equal((await get('/v1/tickets?priority=P1', tokenA)).json().items.length, 0);
});

test('a page reads stored summaries, and builds the same from the hash of a ticket written before them', async () => {
  const url = '/v1/tickets?limit=3';
  const stored = await get(url, tokenA);
  assert.equal(stored.statusCode, 200, stored.body);
  const items = stored.json().items as Array<Record<string, unknown>>;
  assert.equal(items.length, 3);
  for (const item of items) {
    assert.deepEqual(Object.keys(item).sort(), [
      'assignee',
      'conversationId',
      'intent',
      'priority',
      'queue',
      'slaDueAt',
      'status',
      'subject',
      'ticketId',
      'updatedAt',
    ]);
  }
  const summaryKeys = items.map((item) => liveViewKeys.summary(orgA, String(item.ticketId)));
  const kept = await redis.mget(summaryKeys);
  await redis.del(...summaryKeys);
  try {
    const rebuilt = await get(url, tokenA);
    assert.equal(rebuilt.statusCode, 200, rebuilt.body);
    assert.deepEqual(rebuilt.json(), stored.json());
  } finally {
    await redis.mset(...summaryKeys.flatMap((key, i) => [key, kept[i]!]));
  }
});

test('bad query parameters answer 400 naming the parameter and the rule', async () => {
  const cases: Array<[string, string, string]> = [
    ['/v1/tickets?limit=101', 'limit', 'maximum'],
    ['/v1/tickets?limit=zero', 'limit', 'type'],
    ['/v1/tickets?status=closed', 'status', 'enum'],
    ['/v1/tickets?colour=red', 'colour', 'additionalProperties'],
    ['/v1/tickets?cursor=bogus', 'cursor', 'format'],
    ['/v1/search', 'q', 'required'],
    ['/v1/stats?from=-1', 'from', 'minimum'],
    ['/v1/stats?to=yesterday', 'to', 'type'],
    ['/v1/stats?window=24h', 'window', 'additionalProperties'],
    ['/v1/stats/sla-breaches?hours=0', 'hours', 'minimum'],
    ['/v1/stats/sla-breaches?hours=721', 'hours', 'maximum'],
    ['/v1/counts?status=open', 'status', 'additionalProperties'],
  ];
  for (const [url, field, rule] of cases) {
    const response = await get(url, tokenA);
    assert.equal(response.statusCode, 400, url);
    const body = response.json();
    assert.equal(body.error, 'validation');
    assert.ok(
      body.details.some((d: { field: string; rule: string }) => d.field === field && d.rule === rule),
      `${url}: ${response.body}`,
    );
    assert.match(body.message, new RegExp(field));
  }
});

test("search finds only the org's own tickets", async () => {
  const response = await get('/v1/search?q=charged%20twice', tokenA);
  assert.equal(response.statusCode, 200);
  const items = response.json().items as Array<{ ticketId: string }>;
  assert.equal(items.length, A_TICKETS);
  assert.ok(items.every((t) => t.ticketId.startsWith('T-A-')));
  const b = (await get('/v1/search?q=charged', tokenB)).json().items as Array<{ ticketId: string }>;
  assert.deepEqual(
    b.map((t) => t.ticketId),
    ['T-B-0'],
  );
});

test('queues show depth, the oldest age and SLA breaches from the live views', async () => {
  const response = await get('/v1/queues', tokenA);
  assert.equal(response.statusCode, 200);
  const { queues } = response.json() as {
    queues: Array<{ queue: string; depth: number; oldestAgeSeconds: number; breaching: number }>;
  };
  assert.equal(queues.length, 1);
  const [billing] = queues;
  assert.equal(billing!.queue, 'billing-en');
  assert.equal(billing!.depth, A_TICKETS);
  // The fixture's deadlines lie in 2025, but an agent answered each ticket a minute in: none is breaching.
  assert.equal(billing!.breaching, 0);
  assert.ok(billing!.oldestAgeSeconds > 0);
  const b = (await get('/v1/queues', tokenB)).json().queues;
  assert.equal(b[0].depth, 1);
});

test('counts, stats and SLA breaches: each org sees its own tickets only', async () => {
  const all = `from=0&to=${Date.now() + 60_000}`;
  const expectations: Array<[string, number]> = [
    [tokenA, A_TICKETS],
    [tokenB, 1],
  ];
  for (const [token, n] of expectations) {
    const counts = (await get('/v1/counts', token)).json();
    assert.equal(counts.total, n);
    assert.deepEqual(counts.byStatus, { pending: n });
    assert.deepEqual(counts.byQueue, { 'billing-en': n });
    assert.deepEqual(counts.byPriority, { P2: n });
    assert.deepEqual(counts.byIntent, { 'billing.refund': n });
    const stats = (await get(`/v1/stats?${all}`, token)).json();
    assert.equal(stats.total, n);
    assert.deepEqual(stats.byQueue, { 'billing-en': n });
    // The fixture's deadlines lie in January 2025 and each was met by the agent's reply a minute in.
    const breaches = await get('/v1/stats/sla-breaches?hours=720', token);
    assert.equal(breaches.statusCode, 200);
    assert.equal(breaches.json().total, 0);
  }
  // Nothing of A's in the last 24 hours: the fixture's tickets were created in 2025.
  assert.equal((await get('/v1/stats', tokenA)).json().total, 0);
  const listB = (await get('/v1/tickets?queue=billing-en&limit=100', tokenB)).json();
  assert.deepEqual(
    listB.items.map((t: { ticketId: string }) => t.ticketId),
    ['T-B-0'],
  );
});

test('a ticket the live views hold from before version 2 is shown from the search index', async () => {
  const [change] = revisions(fixtureChain(orgOld)).slice(-1);
  await indexChanges(es, [change!], { refresh: 'wait_for' });
  // Version 1 of the live views kept the list fields only.
  await redis.hset(liveViewKeys.ticket(orgOld, 'T-1042'), { status: 'pending', revision: String(change!.revision) });
  const token = signDevToken(SECRET, { org: orgOld, sub: 'agent-old' });
  const detail = await get('/v1/tickets/T-1042', token);
  assert.equal(detail.statusCode, 200, detail.body);
  assert.equal(detail.json().draft.text, sampleEvents.TicketChanged.draft!.text);
  assert.equal(detail.json().queue, 'billing-en');
  // A search document from before the detail was stored in it: the fields it has.
  await es.index({
    index: TICKET_INDEX,
    id: `${orgOld}:T-old`,
    refresh: 'wait_for',
    document: {
      org_id: orgOld,
      ticket_id: 'T-old',
      conversation_id: 'conv-old',
      status: 'open',
      queue: 'general-en',
      intent: null,
      priority: 'P3',
      assignee: null,
      subject: 'Old subject',
      body: 'Old redacted body',
      sla_due_at: null,
      updated_at: 1,
      revision: 3,
    },
  });
  const older = (await get('/v1/tickets/T-old', token)).json();
  assert.equal(older.queue, 'general-en');
  assert.equal(older.enrichment.redactedBody, 'Old redacted body');
  assert.equal((await get('/v1/tickets/T-old', tokenA)).statusCode, 404, 'and never to another org');
});

test('probes, metrics and the OpenAPI document need no token', async () => {
  assert.equal((await get('/healthz')).statusCode, 200);
  const ready = await get('/readyz');
  assert.equal(ready.statusCode, 200, ready.body);
  assert.match((await get('/metrics')).body, /ticketflow_query_http_requests_total/);
  const doc = (await get('/openapi.json')).json();
  for (const path of ['/v1/tickets', '/v1/search', '/v1/counts', '/v1/stats', '/v1/stats/sla-breaches']) {
    assert.ok(doc.paths[path].get.responses['200'].content['application/json'].schema.properties, path);
  }
  assert.match(doc.paths['/v1/tickets'].get.description, /no ticket appears twice/);
});
