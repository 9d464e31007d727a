/**
 * The whole pipeline end to end, as a user runs it: HTTP ingest, the five stages, the three sinks and the
 * knowledge base's chunk stage and kb-index sink, each its own group on the real topics, and the query API, all
 * started from their mains. The first org's knowledge base is imported onto the documents topic and reaches the
 * chunk index through Kafka before anything is posted. Two orgs unique to this run post interactions; what
 * comes out is checked in MongoDB, Elasticsearch, Redis and through the query API, across tenants, and after the
 * same input is replayed.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { Partitioners } from 'kafkajs';
import { MongoClient, type Db } from 'mongodb';
import pg from 'pg';
import { repoRoot } from '../config/index.js';
import { importPath } from '../connectors/kb-import/import.js';
import { untilSearchable } from '../connectors/kb-import/searchable.js';
import { createIngestKey, upsertOrganization } from '../ops/db/ingest-keys.js';
import { freePort, waitUntilOk } from '../ops/net.js';
import { INGEST_APP, QUERY_API_APP, type AppSpec } from '../ops/stack/apps.js';
import { signDevToken } from '../query-api/jwt.js';
import type { InteractionReceived, RoutingDecided } from '../schemas/index.js';
import { consumerBinding } from '../topics/lookup.js';
import { TOPIC, ticketflow } from '../topics/topology.js';
import { DEFAULT_CHUNK_INDEX } from './retrieve/chunk-index.js';
import { saveRouteSettings } from './route/settings-store.js';
import {
  codec,
  collect,
  config,
  exited,
  kafka,
  spawnApp,
  topicEnds,
  uncommitted,
  type Collected,
} from './testing/kafka-kit.js';
import { skipHistoryOfIdleGroups } from './testing/pipeline-kit.js';
import { readCounters, readQueue, readTicketView, liveViewKeys } from './sinks/live-views.js';
import { searchTickets, TICKET_INDEX } from './sinks/search-index.js';
import { SINK_NAMES } from './sinks/stages.js';
import type { TicketDocument } from './sinks/ticket-document.js';
import { ticketsCollection } from './sinks/ticket-store.js';

/** Stated bound: every interaction is routed and visible in all three stores this soon after it was posted. */
const BOUND_MS = 60_000;

const run = randomUUID().slice(0, 8);
const orgA = `it-e2e-a-${run}`;
const orgB = `it-e2e-b-${run}`;
const pool = new pg.Pool({ connectionString: config.postgres.url, max: 2 });
const mongo = new MongoClient(config.mongo.url, { serverSelectionTimeoutMS: 5000, appName: 'ticketflow-e2e' });
const es = new Client({ node: config.elasticsearch.url, requestTimeout: 10_000, maxRetries: 0 });
const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
const children: ChildProcess[] = [];
const secret = config.queryApi.jwt.algorithm === 'HS256' ? config.queryApi.jwt.secret : '';
let db: Db;
let ingestUrl: string;
let queryUrl: string;
let keyA: string;
let keyB: string;
let received: Collected<InteractionReceived>;
let routed: Collected<RoutingDecided>;

interface Posted {
  name: string;
  orgId: string;
  ticketId: string;
  conversationId: string;
  postedAt: number;
  body: string;
}
const posted: Posted[] = [];

const MESSAGES_A = [
  {
    name: 'lost card',
    subject: 'Card stolen',
    body: 'My card was stolen this morning. How do I block it and get a new card?',
  },
  {
    name: 'refund',
    subject: 'Refund',
    body: 'I returned the jacket two weeks ago and I am still waiting for my refund.',
  },
  { name: 'password', subject: 'Cannot log in', body: 'I forgot my password and the reset email never arrives.' },
  {
    name: 'angry',
    subject: 'Charged twice AGAIN',
    body: 'This is terrible. You charged my card twice again and nobody answers. I am furious, fix it now!',
  },
];

function start(app: AppSpec, env: Record<string, string>) {
  const child = spawnApp(app, { PROCESSOR_INSTANCE_ID: `e2e-${app.name}`, ...env }, (error, { code, signal }) => {
    if (code !== 0 && signal !== 'SIGTERM') console.error(error.message);
  });
  children.push(child);
}

async function post(orgKey: string, body: unknown, idempotencyKey: string) {
  return fetch(`${ingestUrl}/v1/interactions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${orgKey}`,
      'idempotency-key': idempotencyKey,
    },
    body: JSON.stringify(body),
  });
}

async function postInteraction(orgId: string, orgKey: string, name: string, subject: string, body: string) {
  const conversationId = `conv-${name.replace(/\s/g, '-')}-${run}`;
  const sent = {
    conversationId,
    channel: 'CHAT',
    customer: { customerId: 'cust-gold', externalId: null },
    subject,
    body,
    localeHint: 'en',
    externalMessageId: null,
    attachments: [],
  };
  const postedAt = Date.now();
  const response = await post(orgKey, sent, `e2e-${conversationId}`);
  assert.equal(response.status, 202, `${name}: ${await response.clone().text()}`);
  const accepted = (await response.json()) as { ticketId: string };
  posted.push({ name, orgId, ticketId: accepted.ticketId, conversationId, postedAt, body });
  return { sent, idempotencyKey: `e2e-${conversationId}` };
}

const api = (path: string, orgId: string) =>
  fetch(`${queryUrl}${path}`, { headers: { authorization: `Bearer ${signDevToken(secret, { org: orgId })}` } });

async function storedTicket(p: Posted): Promise<TicketDocument | null> {
  return ticketsCollection(db).findOne({ _id: `${p.orgId}:${p.ticketId}` });
}

/** True once the ticket is routed in Mongo, indexed with its routing in Elasticsearch, and queued in Redis. */
async function visibleEverywhere(p: Posted): Promise<boolean> {
  const doc = await storedTicket(p);
  if (!doc?.routing || !doc.message || !doc.draft) return false;
  const view = await readTicketView(redis, p.orgId, p.ticketId);
  if (!view?.queue) return false;
  const indexed = await es
    .get<{ queue: string | null }>({ index: TICKET_INDEX, id: `${p.orgId}:${p.ticketId}` })
    .catch(() => null);
  return Boolean(indexed?._source?.queue);
}

async function eventually<T>(what: string, probe: () => Promise<T | false | null | undefined>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

before(async () => {
  await Promise.all([mongo.connect(), redis.connect()]);
  db = mongo.db(config.mongo.database);
  for (const orgId of [orgA, orgB]) {
    await upsertOrganization(pool, { id: orgId, name: `E2E ${orgId}`, ingestRatePerSec: 1000, ingestBurst: 1000 });
  }
  // Org A promises a first response within an hour at every priority; its gold customer is a premium one.
  await pool.query(
    `INSERT INTO sla_policies (org_id, policy_id, name, first_response_p1_minutes, first_response_p2_minutes,
       first_response_p3_minutes, first_response_p4_minutes, is_default)
     VALUES ($1, 'std', 'Standard', 15, 30, 60, 60, true)`,
    [orgA],
  );
  await pool.query(
    `INSERT INTO customers (org_id, customer_id, plan, tier) VALUES ($1, 'cust-gold', 'gold', 'PREMIUM')`,
    [orgA],
  );
  // Org A lets drafts for forgotten passwords go out unreviewed; everything else waits for a person.
  await saveRouteSettings(pool, orgA, { autoReplyIntents: ['passcode_forgotten'], autoReplyThreshold: 0.3 });
  keyA = (await createIngestKey(pool, orgA, 'e2e')).key;
  keyB = (await createIngestKey(pool, orgB, 'e2e')).key;

  await skipHistoryOfIdleGroups();
  const { plan } = await importPath({ kafka, codec, db: pool }, `${repoRoot}/connectors/kb-import/demo`, {
    orgId: orgA,
  });
  received = await collect<InteractionReceived>(TOPIC.interactionReceived, 'InteractionReceived', { fromNow: true });
  routed = await collect<RoutingDecided>(TOPIC.routingDecided, 'RoutingDecided', { fromNow: true });

  const ingestPort = await freePort();
  const queryPort = await freePort();
  ingestUrl = `http://127.0.0.1:${ingestPort}`;
  queryUrl = `http://127.0.0.1:${queryPort}`;
  // Every stage and sink in one process (each still its own group): one start-up instead of eight on a busy box.
  start({ name: 'processors', entry: 'processors/main.ts', args: ['--all'] }, {});
  start(INGEST_APP, { INGEST_PORT: String(ingestPort) });
  start(QUERY_API_APP, { QUERY_API_PORT: String(queryPort) });
  await Promise.all([waitUntilOk(`${ingestUrl}/readyz`, 180_000), waitUntilOk(`${queryUrl}/readyz`, 180_000)]);
  await untilSearchable(es, orgA, plan.live, { timeoutMs: 180_000 });
});

after(async () => {
  // The org's documents leave the compacted topics as a pruning import removes them: deletions and tombstones.
  const empty = await mkdtemp(path.join(tmpdir(), 'e2e-kb-'));
  await importPath({ kafka, codec, db: pool }, empty, { orgId: orgA, prune: true }).catch((error: unknown) =>
    console.error(`removing the knowledge base of ${orgA}: ${String(error)}`),
  );
  await rm(empty, { recursive: true, force: true });
  await Promise.all(
    children.map((child) => {
      child.kill('SIGTERM');
      return exited(child);
    }),
  );
  try {
    await Promise.allSettled([received?.stop(), routed?.stop()]);
    await ticketsCollection(db).deleteMany({ orgId: { $in: [orgA, orgB] } });
    // This Elasticsearch build has no delete-by-query (the reindex module is not in it): find, then delete.
    for (const index of [TICKET_INDEX, DEFAULT_CHUNK_INDEX]) {
      const { hits } = await es.search({
        index,
        size: 1000,
        _source: false,
        query: { terms: { org_id: [orgA, orgB] } },
      });
      const operations = hits.hits.map((hit) => ({ delete: { _index: index, _id: hit._id! } }));
      if (operations.length > 0) await es.bulk({ operations, refresh: true });
    }
    for (const orgId of [orgA, orgB]) {
      for (const pattern of liveViewKeys.patterns(orgId)) {
        const keys = await redis.keys(pattern);
        if (keys.length > 0) await redis.del(...keys);
      }
    }
    await pool.query('DELETE FROM organizations WHERE id = ANY($1)', [[orgA, orgB]]);
  } finally {
    await Promise.allSettled([pool.end(), mongo.close(), es.close(), redis.quit()]);
  }
});

test(`posted interactions come out classified, grounded, drafted, routed and in every view within ${BOUND_MS / 1000} s`, async () => {
  const started = Date.now();
  for (const m of MESSAGES_A) await postInteraction(orgA, keyA, m.name, m.subject, m.body);
  await postInteraction(orgB, keyB, 'other org', 'Stolen card', 'My card was stolen, block it please.');

  const latencies: number[] = [];
  await Promise.all(
    posted.map(async (p) => {
      await eventually(`${p.name} visible in Mongo, Elasticsearch and Redis`, () => visibleEverywhere(p), BOUND_MS);
      latencies.push(Date.now() - p.postedAt);
    }),
  );
  console.log(
    `posting took ${posted.at(-1)!.postedAt - started} ms; ingest → visible in all three stores: ` +
      `max ${Math.max(...latencies)} ms over ${latencies.length} interactions`,
  );

  for (const p of posted.filter((x) => x.orgId === orgA)) {
    const doc = (await storedTicket(p))!;
    assert.equal(doc.message?.body, p.body, `${p.name}: the store keeps the original message`);
    assert.ok(doc.classification?.intent, `${p.name}: an intent`);
    assert.ok(doc.classification.confidence > 0 && doc.classification.confidence <= 1, `${p.name}: a confidence`);
    assert.match(doc.classification.modelVersion, /\S/);
    assert.match(doc.draft!.text, /\S/, `${p.name}: a draft`);
    assert.ok(['AUTO_REPLY', 'HUMAN'].includes(doc.routing!.decision));
    assert.ok(doc.routing!.reasons.length > 0, `${p.name}: reasons for the decision`);
    assert.equal(doc.queue, doc.routing!.queue);
    const receivedAt = doc.interactions[0]!.receivedAt;
    assert.ok(doc.slaDueAt !== null && doc.slaDueAt > receivedAt && doc.slaDueAt <= receivedAt + 3_600_000);
    assert.equal(doc.slaDueAt, doc.routing!.firstResponseDueAt);
    assert.equal(doc.enrichment?.customer.tier, 'PREMIUM');

    const view = (await readTicketView(redis, orgA, p.ticketId))!;
    assert.equal(view.queue, doc.queue);
    assert.equal(view.slaDueAt, doc.slaDueAt);
    assert.equal(view.intent, doc.classification.intent);
    if (doc.routing!.decision === 'HUMAN') assert.ok((await readQueue(redis, orgA, doc.queue!)).includes(p.ticketId));
  }

  const lost = (await storedTicket(posted[0]!))!;
  assert.ok(lost.grounding!.passages.length > 0, 'the lost card question finds knowledge-base passages');
  assert.ok(lost.grounding!.passages.every((passage) => passage.score > 0));
  assert.ok(lost.draft!.citations.length > 0, 'the draft cites what it was built from');
  const passageIds = new Set(lost.grounding!.passages.map((passage) => passage.chunkId));
  assert.ok(
    lost.draft!.citations.every((c) => passageIds.has(c.chunkId)),
    'citations point at retrieved passages',
  );
  assert.equal(lost.draft!.holding, false);
  const password = (await storedTicket(posted[2]!))!;
  assert.equal(password.classification!.intent, 'passcode_forgotten');
  assert.equal(password.routing!.decision, 'AUTO_REPLY', `blocked by ${password.routing!.reasons.join(', ')}`);
  assert.ok(password.routing!.reasons.includes('auto_reply_intent'));
  const angry = (await storedTicket(posted[3]!))!;
  assert.equal(angry.enrichment?.sentiment.label, 'NEGATIVE');
  assert.equal(angry.routing!.decision, 'HUMAN');
  assert.ok(angry.routing!.reasons.includes('negative_sentiment'));

  await es.indices.refresh({ index: TICKET_INDEX });
  const hits = await searchTickets(es, orgA, 'stolen card');
  assert.equal(hits[0]?.ticket.ticket_id, posted[0]!.ticketId);
  const counters = await readCounters(redis, orgA);
  assert.equal(
    Object.values(counters.status).reduce((a, b) => a + b, 0),
    MESSAGES_A.length,
  );
});

test('the query API serves the org its own tickets, and a second org none of them', async () => {
  const [lostA] = posted;
  const detail = await api(`/v1/tickets/${lostA!.ticketId}`, orgA);
  assert.equal(detail.status, 200);
  const ticket = (await detail.json()) as { intent: string; queue: string; slaDueAt: number; draft: { text: string } };
  const stored = (await storedTicket(lostA!))!;
  assert.equal(ticket.intent, stored.classification!.intent);
  assert.equal(ticket.queue, stored.queue);
  assert.equal(ticket.slaDueAt, stored.slaDueAt);

  const list = (await (await api('/v1/tickets?limit=50', orgA)).json()) as { items: Array<{ ticketId: string }> };
  assert.deepEqual(
    list.items.map((t) => t.ticketId).sort(),
    posted
      .filter((p) => p.orgId === orgA)
      .map((p) => p.ticketId)
      .sort(),
  );
  const search = (await (await api('/v1/search?q=stolen%20card', orgA)).json()) as {
    items: Array<{ ticketId: string }>;
  };
  assert.equal(search.items[0]?.ticketId, lostA!.ticketId);
  const queues = (await (await api('/v1/queues', orgA)).json()) as {
    items?: Array<{ queue: string; depth: number }>;
  };
  const humanQueues = new Set(
    (await ticketsCollection(db).find({ orgId: orgA, 'routing.decision': 'HUMAN' }).toArray()).map((d) => d.queue),
  );
  assert.ok(humanQueues.size > 0);
  const listed = JSON.stringify(queues);
  for (const queue of humanQueues) assert.ok(listed.includes(`"${queue}"`), `queue ${queue} is listed`);

  // Org B asks for org A's ticket by its id, lists and searches with A's words: nothing of A comes back.
  assert.equal((await api(`/v1/tickets/${lostA!.ticketId}`, orgB)).status, 404);
  const listB = (await (await api('/v1/tickets?limit=50', orgB)).json()) as { items: Array<{ ticketId: string }> };
  const bTickets = posted.filter((p) => p.orgId === orgB).map((p) => p.ticketId);
  assert.deepEqual(
    listB.items.map((t) => t.ticketId),
    bTickets,
  );
  const searchB = (await (await api('/v1/search?q=jacket%20refund%20password', orgB)).json()) as {
    items: Array<{ ticketId: string }>;
  };
  assert.deepEqual(searchB.items, []);
  assert.ok(!JSON.stringify(await (await api('/v1/queues', orgB)).json()).includes(orgA));
});

test('replaying the same input, and re-posting it, creates no duplicate ticket, interaction or count', async () => {
  const before = await Promise.all(posted.map(storedTicket));
  const countersBefore = await readCounters(redis, orgA);

  // A client retry with the same idempotency key is answered from the first acceptance.
  const m = MESSAGES_A[1]!;
  const again = await post(
    keyA,
    {
      conversationId: posted[1]!.conversationId,
      channel: 'CHAT',
      customer: { customerId: 'cust-gold', externalId: null },
      subject: m.subject,
      body: m.body,
      localeHint: 'en',
      externalMessageId: null,
      attachments: [],
    },
    `e2e-${posted[1]!.conversationId}`,
  );
  assert.equal(again.status, 202);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');

  // A replay: the very records ingest wrote go through every stage and sink a second time.
  const ours = received.records.filter((r) => r.event && [orgA, orgB].includes(r.event.meta.orgId));
  assert.equal(ours.length, posted.length, 'ingest wrote each interaction once');
  const routedBefore = routed.records.filter((r) => r.event?.meta.orgId === orgA).length;
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({
    topic: TOPIC.interactionReceived,
    acks: -1,
    messages: ours.map((r) => ({ key: r.message.key, value: r.message.value, headers: r.message.headers })),
  });
  await producer.disconnect();
  await routed.until(
    (records) => records.filter((r) => r.event?.meta.orgId === orgA).length >= routedBefore + MESSAGES_A.length,
    BOUND_MS,
  );
  await sinksCaughtUp();

  const afterReplay = await Promise.all(posted.map(storedTicket));
  afterReplay.forEach((doc, i) => {
    assert.equal(doc!.interactions.length, 1, `${posted[i]!.name}: one interaction`);
    assert.equal(doc!.revision, before[i]!.revision, `${posted[i]!.name}: nothing re-applied`);
  });
  assert.equal(await ticketsCollection(db).countDocuments({ orgId: orgA }), MESSAGES_A.length);
  assert.deepEqual(await readCounters(redis, orgA), countersBefore);
  await es.indices.refresh({ index: TICKET_INDEX });
  const count = await es.count({ index: TICKET_INDEX, query: { term: { org_id: orgA } } });
  assert.equal(count.count, MESSAGES_A.length);
});

/** Waits until every sink group has committed past everything on its input topics as of now. */
async function sinksCaughtUp(): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const sink of SINK_NAMES) {
      const { groupId, inputs } = consumerBinding(ticketflow, sink);
      const ends = await topicEnds(
        admin,
        inputs.map((t) => t.name),
      );
      await eventually(`${sink} caught up`, async () => (await uncommitted(admin, groupId, ends)) === 0, BOUND_MS);
    }
  } finally {
    await admin.disconnect();
  }
}
