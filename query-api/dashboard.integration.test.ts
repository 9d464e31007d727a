/**
 * The dashboards' aggregations on a data set whose answers are known by hand, against the stack's real stores:
 * tickets created at chosen times, answered early, late or not at all, and one org beside it that must never
 * count. Orgs are unique to this run and removed afterwards.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Client } from '@elastic/elasticsearch';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import { loadConfig } from '../config/index.js';
import { ensureTicketIndex } from '../processors/sinks/search-index.js';
import { materialize } from '../processors/sinks/test-support.js';
import { buildQueryApp } from './app.js';
import { createJwtVerifier, signDevToken } from './jwt.js';
import { commandEvent, removeTestOrgs, ticketEvents, type TicketSpec } from './test-tickets.js';

const config = loadConfig();
const SECRET = 'integration-test-secret-long-enough-0000';
const mongo = new MongoClient(config.mongo.url, { serverSelectionTimeoutMS: 5000, appName: 'ticketflow-dash-it' });
const es = new Client({ node: config.elasticsearch.url, requestTimeout: 10_000, maxRetries: 0 });
const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
const run = randomUUID().slice(0, 8);
const org = `it-dash-${run}`;
const other = `it-dash-other-${run}`;
let db: Db;
let app: FastifyInstance;

const HOUR = 3_600_000;
const MINUTE = 60_000;
const NOW = Date.now();
const ago = (hours: number) => NOW - hours * HOUR;

/**
 * What each ticket is, and so what it counts for: created (received) when, where it went, its deadline and when
 * an agent answered. `breach` says whether it is a breach of its deadline.
 */
const TICKETS: ReadonlyArray<TicketSpec & { breach: boolean }> = [
  // Waiting past its deadline an hour ago.
  {
    ticketId: 'T1',
    at: ago(2),
    intent: 'card.lost',
    priority: 'P1',
    queue: 'cards',
    slaDueAt: ago(1),
    replyAt: null,
    breach: true,
  },
  // Answered ten minutes after its deadline.
  {
    ticketId: 'T2',
    at: ago(3),
    intent: 'card.lost',
    priority: 'P2',
    queue: 'cards',
    slaDueAt: ago(2),
    replyAt: ago(2) + 10 * MINUTE,
    breach: true,
  },
  // Waiting, but its deadline is an hour away.
  {
    ticketId: 'T3',
    at: ago(3),
    intent: 'billing.refund',
    priority: 'P2',
    queue: 'billing',
    slaDueAt: NOW + HOUR,
    replyAt: null,
    breach: false,
  },
  // Answered automatically.
  {
    ticketId: 'T4',
    at: ago(5),
    intent: 'billing.refund',
    priority: 'P3',
    queue: 'billing',
    decision: 'AUTO_REPLY',
    slaDueAt: ago(4),
    replyAt: null,
    breach: false,
  },
  // Answered in time.
  {
    ticketId: 'T5',
    at: ago(6),
    intent: 'billing.refund',
    priority: 'P3',
    queue: 'billing',
    slaDueAt: ago(5),
    replyAt: ago(5) - MINUTE,
    breach: false,
  },
  // No deadline.
  {
    ticketId: 'T6',
    at: ago(1),
    intent: 'account.password',
    priority: 'P4',
    queue: 'general',
    slaDueAt: null,
    replyAt: null,
    breach: false,
  },
  // Created and breached a day and more ago: outside a 24-hour window, inside 48 hours.
  {
    ticketId: 'T7',
    at: ago(30),
    intent: 'card.lost',
    priority: 'P1',
    queue: 'cards',
    slaDueAt: ago(29),
    replyAt: null,
    breach: true,
  },
];

before(async () => {
  await Promise.all([mongo.connect(), redis.connect(), ensureTicketIndex(es)]);
  db = mongo.db(config.mongo.database);
  const events = TICKETS.flatMap((spec) => ticketEvents(org, spec));
  // T5 is resolved after its reply; T3 is moved to another queue.
  events.push(commandEvent(org, 'T5', ago(4), { command: 'RESOLVE', resolution: 'answered' }));
  events.push(commandEvent(org, 'T3', ago(2), { command: 'ASSIGN', queue: 'billing-vip' }));
  // The other org: one ticket of each kind that would count, were the org ignored.
  const foreign = TICKETS.map((spec) => ticketEvents(other, { ...spec, ticketId: `X-${spec.ticketId}` })).flat();
  await materialize({ db, es, redis }, [...events, ...foreign]);
  app = await buildQueryApp({
    config: { ...config.queryApi, rateLimits: { org: 100_000, user: 100_000, orgEndpoints: {}, userEndpoints: {} } },
    es,
    redis,
    verify: createJwtVerifier({ algorithm: 'HS256', secret: SECRET }),
    version: 'test',
    now: () => NOW,
  });
});

after(async () => {
  try {
    await app?.close();
    await removeTestOrgs({ db, es, redis }, [org, other]);
  } finally {
    redis.disconnect();
    await Promise.allSettled([mongo.close(), es.close()]);
  }
});

async function get(url: string, orgId = org) {
  const token = signDevToken(SECRET, { org: orgId, sub: 'dashboard' });
  const response = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
  return response.json();
}

test('tickets created in the last 24 hours, per status, queue, priority and intent as they stand now', async () => {
  const toSecond = Math.floor(NOW / 1000) * 1000;
  assert.deepEqual(await get('/v1/stats'), {
    from: toSecond - 24 * HOUR,
    to: toSecond,
    total: 6,
    byStatus: { open: 3, pending: 1, auto_replied: 1, resolved: 1 },
    byQueue: { cards: 2, billing: 2, 'billing-vip': 1, general: 1 },
    byPriority: { P1: 1, P2: 2, P3: 2, P4: 1 },
    byIntent: { 'card.lost': 2, 'billing.refund': 3, 'account.password': 1 },
  });
});

test('a chosen window counts the tickets created in it, its end excluded', async () => {
  const stats = await get(`/v1/stats?from=${ago(3)}&to=${ago(1)}`);
  // T2 and T3 at three hours ago, T1 at two; T6 at exactly one hour ago is the excluded end.
  assert.equal(stats.total, 3);
  assert.deepEqual(stats.byIntent, { 'card.lost': 2, 'billing.refund': 1 });
  assert.equal((await get(`/v1/stats?from=${ago(1)}&to=${ago(3)}`)).total, 0, 'an empty window');
});

test('SLA breaches in the last N hours: late or unanswered past the deadline, per queue and priority', async () => {
  const day = await get('/v1/stats/sla-breaches');
  assert.equal(day.hours, 24);
  assert.equal(day.total, 2);
  assert.deepEqual(day.byQueue, { cards: 2 });
  assert.deepEqual(day.byPriority, { P1: 1, P2: 1 });
  const twoDays = await get('/v1/stats/sla-breaches?hours=48');
  assert.equal(twoDays.total, TICKETS.filter((t) => t.breach).length);
  assert.deepEqual(twoDays.byPriority, { P1: 2, P2: 1 });
  assert.equal((await get('/v1/stats/sla-breaches?hours=1')).total, 1, 'T1 only: T2 was due two hours ago');
});

test('the live counters and queues agree with the same data set', async () => {
  const counts = await get('/v1/counts');
  assert.equal(counts.total, TICKETS.length);
  assert.deepEqual(counts.byStatus, { open: 4, pending: 1, auto_replied: 1, resolved: 1 });
  const { queues } = await get('/v1/queues');
  // Resolved T5 has left billing, where T4 was answered automatically; moved T3 waits in billing-vip with its
  // deadline an hour away; in cards T1 and T7 wait past theirs, and T2 was answered (late: a breach of the past).
  assert.deepEqual(
    queues.map((q: { queue: string; depth: number; breaching: number }) => [q.queue, q.depth, q.breaching]),
    [
      ['billing', 1, 0],
      ['billing-vip', 1, 0],
      ['cards', 3, 2],
      ['general', 1, 0],
    ],
  );
  const cards = queues.find((q: { queue: string }) => q.queue === 'cards');
  assert.equal(cards.oldestAgeSeconds, 30 * 3600, 'T7, created 30 hours ago');
});

test('another org sees only its own tickets in every aggregation', async () => {
  assert.equal((await get('/v1/stats', other)).total, 6);
  assert.equal((await get('/v1/stats/sla-breaches?hours=48', other)).total, 3);
  assert.equal((await get('/v1/counts', other)).total, TICKETS.length);
  const fresh = `it-dash-none-${run}`;
  assert.deepEqual((await get('/v1/stats', fresh)).byQueue, {});
  assert.equal((await get('/v1/stats/sla-breaches?hours=720', fresh)).total, 0);
  assert.deepEqual(await get('/v1/counts', fresh), {
    total: 0,
    byStatus: {},
    byQueue: {},
    byPriority: {},
    byIntent: {},
    at: NOW,
  });
  assert.deepEqual((await get('/v1/queues', fresh)).queues, []);
});
