/**
 * The views stay exact, against the stack's real stores: after a shuffled workload with duplicates, every count,
 * list, queue and aggregation the API serves agrees with the ticket store (the system of record); and a walk
 * through a list while the sinks' code changes tickets under it keeps the contract the API documents
 * (routes/schemas.ts LIST_CONTRACT). Orgs are unique to this run and removed afterwards.
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
import { applyChanges } from '../processors/sinks/live-views.js';
import { ensureTicketIndex, indexChanges, TICKET_INDEX } from '../processors/sinks/search-index.js';
import { materialize, shuffled } from '../processors/sinks/test-support.js';
import { ticketChanged } from '../processors/sinks/ticket-changes.js';
import type { TicketDocument } from '../processors/sinks/ticket-document.js';
import { applyTicketEvents, ticketsCollection } from '../processors/sinks/ticket-store.js';
import { BREACH_STATES, listPosition, slaOutcome } from '../processors/sinks/ticket-views.js';
import type { Priority } from '../schemas/index.js';
import { buildQueryApp } from './app.js';
import { createJwtVerifier, signDevToken } from './jwt.js';
import { commandEvent, removeTestOrgs, ticketEvents, type TicketSpec } from './test-tickets.js';

const config = loadConfig();
const SECRET = 'integration-test-secret-long-enough-0000';
const mongo = new MongoClient(config.mongo.url, { serverSelectionTimeoutMS: 5000, appName: 'ticketflow-views-it' });
const es = new Client({ node: config.elasticsearch.url, requestTimeout: 10_000, maxRetries: 0 });
const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
const run = randomUUID().slice(0, 8);
const orgCounts = `it-exact-counts-${run}`;
const orgWalk = `it-exact-walk-${run}`;
let db: Db;
let app: FastifyInstance;
const NOW = Date.now();

before(async () => {
  await Promise.all([mongo.connect(), redis.connect(), ensureTicketIndex(es)]);
  db = mongo.db(config.mongo.database);
  app = await buildQueryApp({
    config: { ...config.queryApi, rateLimits: { org: 100_000, user: 100_000, orgEndpoints: {}, userEndpoints: {} } },
    es,
    redis,
    verify: createJwtVerifier({ algorithm: 'HS256', secret: SECRET }),
    version: 'test',
  });
});

after(async () => {
  try {
    await app?.close();
    await removeTestOrgs({ db, es, redis }, [orgCounts, orgWalk]);
  } finally {
    redis.disconnect();
    await Promise.allSettled([mongo.close(), es.close()]);
  }
});

async function get<T>(orgId: string, url: string): Promise<T> {
  const token = signDevToken(SECRET, { org: orgId, sub: 'exact' });
  const response = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
  return response.json() as T;
}

interface Page {
  items: Array<{ ticketId: string; updatedAt: number; status: string }>;
  nextCursor: string | null;
}

/** Every page of a list, in order. */
async function walk(orgId: string, query: string, limit: number): Promise<Page['items']> {
  const items: Page['items'] = [];
  let cursor: string | null = null;
  do {
    const page: Page = await get<Page>(
      orgId,
      `/v1/tickets?${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** Tickets of the store per value of a field, nulls left out: what the counters must say. */
function tally(docs: TicketDocument[], value: (d: TicketDocument) => string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const doc of docs) {
    const v = value(doc);
    if (v !== null) out[v] = (out[v] ?? 0) + 1;
  }
  return out;
}

const unanswered = (d: TicketDocument) => slaOutcome(ticketChanged(d, 'x')).state === 'waiting';

const byPosition = (a: TicketDocument, b: TicketDocument) =>
  listPosition(b.updatedAt, b.ticketId) < listPosition(a.updatedAt, a.ticketId) ? -1 : 1;

/**
 * Writes events through the sinks' code: the ticket store, then its changes into the live views and, unless left
 * out to keep a write short, the search index (refreshed by the caller when it reads it).
 */
async function write(events: TicketEvent[], options: { index: boolean }): Promise<void> {
  const results = await applyTicketEvents(ticketsCollection(db), events);
  const changes = [];
  for (const result of results.values()) {
    if (result instanceof Error) throw result;
    changes.push(ticketChanged(result.ticket, 'exact'));
  }
  if (options.index) await indexChanges(es, changes);
  await applyChanges(redis, changes);
}

test('after a shuffled workload with duplicates, every count, list, queue and aggregation agrees with the store', async () => {
  const intents = ['card.lost', 'billing.refund', 'account.password'];
  const priorities: Priority[] = ['P1', 'P2', 'P3', 'P4'];
  const start = NOW - 3 * 3_600_000;
  const specs: TicketSpec[] = Array.from({ length: 40 }, (_, i) => ({
    ticketId: `T-${String(i).padStart(2, '0')}`,
    // Pairs of tickets share a time, so lists must break ties by id.
    at: start + Math.floor(i / 2) * 60_000,
    intent: intents[i % 3]!,
    priority: priorities[i % 4]!,
    queue: `queue-${i % 3}`,
    decision: i % 5 === 0 ? 'AUTO_REPLY' : 'HUMAN',
    slaDueAt: i % 7 === 0 ? null : start + i * 60_000 + (i % 2 ? 30 : 300) * 60_000,
    replyAt: i % 3 === 0 ? null : start + i * 60_000 + (i % 4) * 20 * 60_000,
  }));
  const events: TicketEvent[] = specs.flatMap((spec) => ticketEvents(orgCounts, spec));
  // Agents move, resolve and reopen tickets after the pipeline is done with them.
  specs.forEach((spec, i) => {
    const later = spec.at + 2 * 3_600_000 + i;
    if (i % 4 === 1) events.push(commandEvent(orgCounts, spec.ticketId, later, { command: 'ASSIGN', queue: 'vip' }));
    if (i % 6 === 2) events.push(commandEvent(orgCounts, spec.ticketId, later + 1, { command: 'RESOLVE' }));
    if (i % 12 === 2) events.push(commandEvent(orgCounts, spec.ticketId, later + 2, { command: 'REOPEN' }));
  });
  // Every event twice, in an order that mixes tickets and stages, in batches of varying size.
  const work = shuffled([...events, ...shuffled(events, 7).slice(0, events.length / 2)], 42);
  for (let i = 0, size = 1; i < work.length; i += size, size = (size % 37) + 5) {
    await write(work.slice(i, i + size), { index: true });
  }
  await es.indices.refresh({ index: TICKET_INDEX });

  const docs = (await ticketsCollection(db).find({ orgId: orgCounts }).toArray()) as TicketDocument[];
  assert.equal(docs.length, specs.length);
  const counts = await get<Record<string, unknown>>(orgCounts, '/v1/counts');
  assert.deepEqual(
    { ...counts, at: 0 },
    {
      total: docs.length,
      byStatus: tally(docs, (d) => d.status),
      byQueue: tally(docs, (d) => d.queue),
      byPriority: tally(docs, (d) => d.priority),
      byIntent: tally(docs, (d) => d.classification?.intent ?? null),
      at: 0,
    },
  );

  // Each list, walked page by page, is exactly the store's tickets with that value, in list order.
  const lists: Array<[string, (d: TicketDocument) => boolean]> = [
    ['', () => true],
    ...['open', 'pending', 'auto_replied', 'resolved'].map(
      (s) => [`status=${s}`, (d: TicketDocument) => d.status === s] as [string, (d: TicketDocument) => boolean],
    ),
    ...['queue-0', 'queue-1', 'queue-2', 'vip'].map(
      (q) => [`queue=${q}`, (d: TicketDocument) => d.queue === q] as [string, (d: TicketDocument) => boolean],
    ),
    ['priority=P1', (d) => d.priority === 'P1'],
    ['intent=card.lost', (d) => d.classification?.intent === 'card.lost'],
    ['status=open&priority=P2', (d) => d.status === 'open' && d.priority === 'P2'],
    [
      'status=pending&queue=vip&intent=billing.refund',
      (d) => d.status === 'pending' && d.queue === 'vip' && d.classification?.intent === 'billing.refund',
    ],
  ];
  for (const [query, keep] of lists) {
    const listed = await walk(orgCounts, query, 7);
    const expected = docs.filter(keep).sort(byPosition);
    assert.deepEqual(
      listed.map((t) => t.ticketId),
      expected.map((d) => d.ticketId),
      `list ${query || '(all)'}`,
    );
    assert.deepEqual(
      listed.map((t) => t.updatedAt),
      expected.map((d) => d.updatedAt),
    );
  }

  const { queues, at } = await get<{ queues: Array<Record<string, unknown>>; at: number }>(orgCounts, '/v1/queues');
  const waiting = docs.filter((d) => d.status !== 'resolved' && d.queue !== null);
  const expectedQueues = [...new Set(waiting.map((d) => d.queue!))].sort().map((queue) => {
    const mine = waiting.filter((d) => d.queue === queue);
    const oldest = Math.min(...mine.map((d) => ticketChanged(d, 'x').createdAt));
    return {
      queue,
      depth: mine.length,
      oldestAgeSeconds: Math.floor((at - oldest) / 1000),
      breaching: mine.filter((d) => d.slaDueAt !== null && d.slaDueAt <= at && unanswered(d)).length,
    };
  });
  assert.deepEqual(queues, expectedQueues);

  const stats = await get<Record<string, unknown>>(orgCounts, `/v1/stats?from=0&to=${NOW + 86_400_000}`);
  assert.deepEqual(
    { total: stats.total, byStatus: stats.byStatus, byQueue: stats.byQueue, byIntent: stats.byIntent },
    {
      total: docs.length,
      byStatus: tally(docs, (d) => d.status),
      byQueue: tally(docs, (d) => d.queue),
      byIntent: tally(docs, (d) => d.classification?.intent ?? null),
    },
  );
  const breaches = await get<{ total: number; from: number; to: number; byQueue: Record<string, number> }>(
    orgCounts,
    '/v1/stats/sla-breaches?hours=24',
  );
  const breached = docs.filter((d) => {
    const change = ticketChanged(d, 'x');
    const due = change.slaDueAt;
    return (
      due !== null && due >= breaches.from && due <= breaches.to && BREACH_STATES.includes(slaOutcome(change).state)
    );
  });
  assert.ok(breached.length > 0 && breached.length < docs.length, `a data set with and without breaches`);
  assert.equal(breaches.total, breached.length);
  assert.deepEqual(
    breaches.byQueue,
    tally(breached, (d) => d.queue),
  );
});

test('a walk while tickets change under it lists no ticket twice and skips none that kept its place', async () => {
  const TICKETS = 80;
  const start = NOW - 2 * 3_600_000;
  const specs = Array.from({ length: TICKETS }, (_, i) => ({
    ticketId: `W-${String(i).padStart(2, '0')}`,
    at: start + Math.floor(i / 3) * 1000,
    replyAt: null,
  }));
  await materialize(
    { db, es, redis },
    specs.flatMap((spec) => ticketEvents(orgWalk, spec)),
  );
  const positions = new Map<string, string>();
  for (const doc of (await ticketsCollection(db).find({ orgId: orgWalk }).toArray()) as TicketDocument[]) {
    positions.set(doc.ticketId, listPosition(doc.updatedAt, doc.ticketId));
  }

  // The walker reads a page, then waits a little; the writer moves tickets to the head all the while.
  let cursorPosition: string | null = null;
  let reading = false;
  let walking = true;
  const listed: string[] = [];
  /** Per write: what the walk had passed when it started and when it ended, and whether a page was then being read. */
  const touches: Array<{
    ids: string[];
    passedAtStart: string | null;
    passedAtEnd: string | null;
    readingAtEnd: boolean;
  }> = [];
  const touched = new Set<string>();
  let clock = NOW;
  const writer = (async () => {
    let n = 0;
    while (walking) {
      const ids = [specs[(n * 17) % TICKETS]!.ticketId, specs[(n * 31 + 5) % TICKETS]!.ticketId];
      n++;
      const passedAtStart = cursorPosition;
      await write(
        ids.map((id) => commandEvent(orgWalk, id, ++clock, { command: 'ASSIGN', queue: `moved-${n}` })),
        {
          index: false,
        },
      );
      touches.push({ ids, passedAtStart, passedAtEnd: cursorPosition, readingAtEnd: reading });
      for (const id of ids) touched.add(id);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
  })();
  let cursor: string | null = null;
  let pages = 0;
  try {
    do {
      reading = true;
      const page: Page = await get<Page>(orgWalk, `/v1/tickets?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      reading = false;
      listed.push(...page.items.map((t) => t.ticketId));
      const last = page.items.at(-1);
      if (last) cursorPosition = listPosition(last.updatedAt, last.ticketId);
      cursor = page.nextCursor;
      pages++;
      // At least one write between pages, however slow the machine: tickets change under every cursor.
      const writes = touches.length;
      for (let waited = 0; touches.length === writes && waited < 2000; waited += 2) {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    } while (cursor);
  } finally {
    walking = false;
    await writer;
  }

  assert.ok(touches.length >= pages - 1, `tickets changed during the walk (${touches.length} writes, ${pages} pages)`);
  assert.equal(new Set(listed).size, listed.length, `no ticket twice: ${listed.join(' ')}`);
  for (const spec of specs) {
    if (!touched.has(spec.ticketId)) assert.ok(listed.includes(spec.ticketId), `${spec.ticketId} kept its place`);
  }
  // A ticket changed during the walk is listed if and only if the walk had passed it when it first moved: surely
  // so if it lay at or above the walk's last position when the write began; surely not if it lay below the last
  // position when the write ended and no page was being read then (a read in flight might have met it unmoved).
  const firstTouch = new Map<string, (typeof touches)[number]>();
  for (const touch of touches) for (const id of touch.ids) if (!firstTouch.has(id)) firstTouch.set(id, touch);
  let judged = 0;
  for (const [id, touch] of firstTouch) {
    const original = positions.get(id)!;
    if (touch.passedAtStart !== null && original >= touch.passedAtStart) {
      assert.ok(listed.includes(id), `${id} was passed before it moved: listed once, with its earlier state`);
      judged++;
    } else if (!touch.readingAtEnd && touch.passedAtEnd !== null && original < touch.passedAtEnd) {
      assert.ok(!listed.includes(id), `${id} moved ahead of the walk before it got there: left to the next walk`);
      judged++;
    }
  }
  assert.ok(judged >= 5, `enough moved tickets judged (${judged})`);
});
