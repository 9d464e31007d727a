/**
 * One busy org spread over partitions: its events keyed by org and conversation (`partition_key =
 * 'conversation'`, applied by ingest), two instances of every processor (two processes hosting all of them, so
 * every consumer group has two members, each holding half the partition numbers), and the whole pipeline on the
 * real topics. Both instances must work for the org, each conversation must keep its order, and the sinks must
 * come out right: one ticket per conversation with all its interactions, in every store.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import pg from 'pg';
import { repoRoot } from '../config/index.js';
import { createIngestKey, upsertOrganization } from '../ops/db/ingest-keys.js';
import { freePort, waitUntilOk } from '../ops/net.js';
import { INGEST_APP, type AppSpec } from '../ops/stack/apps.js';
import type { InteractionReceived, KnowledgeDocument, RoutingDecided } from '../schemas/index.js';
import { TOPIC } from '../topics/topology.js';
import { liveViewKeys, readTicketView } from './sinks/live-views.js';
import { TICKET_INDEX } from './sinks/search-index.js';
import { ticketsCollection } from './sinks/ticket-store.js';
import { collect, config, exited, spawnApp, type Collected } from './testing/kafka-kit.js';
import {
  indexKnowledgeBase,
  knowledgeDocuments,
  publishKnowledgeBase,
  removeKnowledgeBases,
  withdrawKnowledgeBase,
} from './testing/knowledge-kit.js';

const run = randomUUID().slice(0, 8);
const orgId = `it-hot-${run}`;
const CONVERSATIONS = 40;
const MESSAGES_PER_CONVERSATION = 3;
const pool = new pg.Pool({ connectionString: config.postgres.url, max: 2 });
const mongo = new MongoClient(config.mongo.url, { serverSelectionTimeoutMS: 5000 });
const es = new Client({ node: config.elasticsearch.url, requestTimeout: 10_000 });
const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
const children: ChildProcess[] = [];
const probePorts: number[] = [];
let db: Db;
let ingestUrl: string;
let key: string;
let kb: KnowledgeDocument[] = [];
let received: Collected<InteractionReceived>;
let routed: Collected<RoutingDecided>;

const ALL_PROCESSORS: AppSpec = { name: 'all-processors', entry: 'processors/main.ts', args: ['--all'] };
const TEXTS = [
  'My card was declined at the supermarket although I have money in my account.',
  'I forgot my password and the reset email never arrives.',
  'I was charged twice for the same order, please refund one of them.',
];

function start(app: AppSpec, env: Record<string, string>) {
  children.push(
    spawnApp(app, env, (error, { code, signal }) => {
      if (code !== 0 && signal !== 'SIGTERM') console.error(error.message);
    }),
  );
}

async function consumedBy(port: number, stage: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('ticketflow_events_consumed_total{') && l.includes(`stage="${stage}"`))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

before(async () => {
  await Promise.all([mongo.connect(), redis.connect()]);
  db = mongo.db(config.mongo.database);
  await upsertOrganization(pool, {
    id: orgId,
    name: 'Hot org',
    ingestRatePerSec: 100_000,
    ingestBurst: 100_000,
    partitionKey: 'conversation',
  });
  key = (await createIngestKey(pool, orgId, 'hot')).key;
  // The processors' retrieve serves from the chunks topic; the chunk index is Elasticsearch's lexical copy.
  kb = await knowledgeDocuments(orgId, `${repoRoot}/connectors/kb-import/demo`);
  await indexKnowledgeBase(es, kb);
  await publishKnowledgeBase(kb);
  received = await collect<InteractionReceived>(TOPIC.interactionReceived, 'InteractionReceived', { fromNow: true });
  routed = await collect<RoutingDecided>(TOPIC.routingDecided, 'RoutingDecided', { fromNow: true });
  const ingestPort = await freePort();
  ingestUrl = `http://127.0.0.1:${ingestPort}`;
  start(INGEST_APP, { INGEST_PORT: String(ingestPort) });
  for (const instance of ['hot-1', 'hot-2']) {
    const port = await freePort();
    probePorts.push(port);
    start(ALL_PROCESSORS, { PROCESSOR_INSTANCE_ID: `${instance}-${run}`, PROBE_PORT: String(port) });
  }
  await waitUntilOk(`${ingestUrl}/readyz`, 90_000);
  await Promise.all(probePorts.map((port) => waitUntilOk(`http://127.0.0.1:${port}/readyz`, 120_000)));
});

after(async () => {
  await Promise.all(
    children.map((child) => {
      child.kill('SIGTERM');
      return exited(child);
    }),
  );
  await Promise.allSettled([received?.stop(), routed?.stop()]);
  await ticketsCollection(db).deleteMany({ orgId });
  const { hits } = await es.search({
    index: TICKET_INDEX,
    size: 1000,
    _source: false,
    query: { term: { org_id: orgId } },
  });
  const operations = hits.hits.map((hit) => ({ delete: { _index: TICKET_INDEX, _id: hit._id! } }));
  if (operations.length > 0) await es.bulk({ operations, refresh: true });
  await removeKnowledgeBases(es, [orgId]);
  await withdrawKnowledgeBase(kb);
  for (const pattern of liveViewKeys.patterns(orgId)) {
    const keys = await redis.keys(pattern);
    if (keys.length > 0) await redis.del(...keys);
  }
  await pool.query('DELETE FROM organizations WHERE id = $1', [orgId]);
  await Promise.allSettled([pool.end(), mongo.close(), es.close()]);
  redis.disconnect();
});

test('a busy org keyed by conversation keeps every instance working and every conversation in order', async () => {
  const conversations = Array.from({ length: CONVERSATIONS }, (_, i) => `conv-${i}-${run}`);
  // Each conversation's messages one after another (a customer writing again), conversations side by side.
  await Promise.all(
    conversations.map(async (conversationId, c) => {
      for (let m = 0; m < MESSAGES_PER_CONVERSATION; m++) {
        // As a client should: a 503 is retried after its Retry-After, with the same Idempotency-Key.
        let response: Response;
        for (let attempt = 1; ; attempt++) {
          response = await fetch(`${ingestUrl}/v1/interactions`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${key}`,
              'idempotency-key': `${conversationId}-${m}`,
            },
            body: JSON.stringify({
              conversationId,
              channel: 'CHAT',
              customer: { customerId: `cust-${c}` },
              body: `${TEXTS[(c + m) % TEXTS.length]} (message ${m})`,
            }),
          });
          if (response.status !== 503 || attempt === 10) break;
          await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
        }
        assert.equal(response.status, 202, await response.text());
      }
    }),
  );
  const total = CONVERSATIONS * MESSAGES_PER_CONVERSATION;
  const ours = <T extends { meta: { orgId: string } }>(records: Collected<T>['records']) =>
    records.filter((r) => r.event?.meta.orgId === orgId);
  await routed.until((records) => ours(records).length >= total, 120_000);

  // Keyed by org and conversation: the org's records spread over partitions, each conversation on one.
  const mine = ours(received.records);
  assert.equal(mine.length, total);
  for (const r of mine) assert.equal(r.message.key?.toString(), `${orgId}:${r.event!.meta.conversationId}`);
  const partitions = new Set(mine.map((r) => r.partition));
  assert.ok(partitions.size >= 6, `the org spreads over ${partitions.size} partitions`);
  const partitionOf = new Map<string, number>();
  for (const r of mine) {
    const seen = partitionOf.get(r.event!.meta.conversationId);
    assert.ok(seen === undefined || seen === r.partition, 'a conversation stays on one partition');
    partitionOf.set(r.event!.meta.conversationId, r.partition);
  }

  // Both instances of every processor worked for it.
  for (const stage of ['enrich', 'classify', 'retrieve', 'respond', 'route', 'ticket-store', 'live-views']) {
    const counts = await Promise.all(probePorts.map((port) => consumedBy(port, stage)));
    assert.ok(
      counts.every((n) => n > 0),
      `${stage}: both instances consumed (${counts.join(', ')})`,
    );
  }

  // Each conversation's decisions come out in the order its messages were written.
  const routedOurs = ours(routed.records);
  for (const conversationId of conversations) {
    const bodies = routedOurs
      .filter((r) => r.event!.meta.conversationId === conversationId)
      .map((r) => Number(/message (\d)/.exec(r.event!.enrichment.redactedBody)![1]));
    assert.deepEqual(bodies, [...bodies].sort(), `${conversationId} in order`);
    assert.equal(new Set(bodies).size, MESSAGES_PER_CONVERSATION, `${conversationId}: each message routed once`);
  }

  // The sinks: one ticket per conversation holding all its interactions, in every store.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const tickets = await ticketsCollection(db).find({ orgId }).toArray();
    const complete = tickets.filter((t) => t.interactions.length === MESSAGES_PER_CONVERSATION && t.routing);
    const views = await Promise.all(tickets.map((t) => readTicketView(redis, orgId, t.ticketId)));
    const indexed = await es.count({ index: TICKET_INDEX, query: { term: { org_id: orgId } } });
    const viewed = views.filter((v, i) => v?.revision === tickets[i]!.revision).length;
    if (complete.length === CONVERSATIONS && viewed === CONVERSATIONS && indexed.count === CONVERSATIONS) {
      assert.equal(tickets.length, CONVERSATIONS, 'one ticket per conversation');
      for (const t of tickets) {
        assert.equal(new Set(t.interactions.map((i) => i.interactionId)).size, MESSAGES_PER_CONVERSATION);
      }
      break;
    }
    if (Date.now() > deadline) {
      assert.fail(
        `after 60 s: ${complete.length}/${CONVERSATIONS} complete tickets, ${viewed} live views current, ` +
          `${indexed.count} indexed`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
});
