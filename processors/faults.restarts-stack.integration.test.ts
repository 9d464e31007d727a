/**
 * Every server's outage under steady load, in one pass: Elasticsearch, the Mongo-wire store, PostgreSQL, Redis
 * and the schema registry each stopped, then each killed with SIGKILL, and Kafka killed, every one for longer
 * than the runtime's retry budget, while a client posts interactions and retries refusals with the same
 * Idempotency-Key, as the 503s tell it to. While the registry is away the processors are restarted, so a stage
 * that starts without it is covered too. Afterwards: no new dead letter anywhere, and every accepted
 * interaction routed and visible in all three stores exactly once. It stops shared servers, so the test runner
 * runs it after every other file (`*.restarts-stack.integration.test.ts`).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { createIngestKey, upsertOrganization } from '../ops/db/ingest-keys.js';
import { freePort, waitUntilOk } from '../ops/net.js';
import { INGEST_APP, type AppSpec } from '../ops/stack/apps.js';
import { stackServices } from '../ops/stack/services/index.js';
import { Supervisor } from '../ops/stack/supervisor.js';
import { ticketflow } from '../topics/topology.js';
import { readTicketView } from './sinks/live-views.js';
import { TICKET_INDEX } from './sinks/search-index.js';
import { ticketsCollection } from './sinks/ticket-store.js';
import { config, exited, kafka, spawnApp, topicEnds, type TopicEnds } from './testing/kafka-kit.js';
import { skipHistoryOfIdleGroups } from './testing/pipeline-kit.js';

type Server = 'elasticsearch' | 'mongo' | 'postgres' | 'redis' | 'schema-registry' | 'kafka';
interface Outage {
  readonly server: Server;
  readonly how: 'stop' | 'kill -9';
  readonly seconds: number;
  /** Restart the processors while the server is away. */
  readonly restartProcessors?: boolean;
}

/** Each longer than the retry budget (5 attempts over about 1.5 s), which used to dead-letter healthy events. */
const OUTAGES: readonly Outage[] = [
  { server: 'elasticsearch', how: 'stop', seconds: 15 },
  { server: 'mongo', how: 'stop', seconds: 15 },
  { server: 'postgres', how: 'stop', seconds: 15 },
  { server: 'redis', how: 'stop', seconds: 10 },
  { server: 'schema-registry', how: 'stop', seconds: 15, restartProcessors: true },
  { server: 'kafka', how: 'kill -9', seconds: 10 },
  { server: 'elasticsearch', how: 'kill -9', seconds: 10 },
  { server: 'mongo', how: 'kill -9', seconds: 10 },
  { server: 'postgres', how: 'kill -9', seconds: 10 },
  { server: 'redis', how: 'kill -9', seconds: 10 },
  { server: 'schema-registry', how: 'kill -9', seconds: 10 },
];
const POSTS_PER_SECOND = 4;
const CATCH_UP_MS = 300_000;

const run = randomUUID().slice(0, 8);
const orgId = `it-faults-${run}`;
const supervisor = new Supervisor(config.stack, stackServices, () => undefined);
const pool = new pg.Pool({ connectionString: config.postgres.url, max: 1 });
const mongo = new MongoClient(config.mongo.url, { serverSelectionTimeoutMS: 5000 });
const es = new Client({ node: config.elasticsearch.url, requestTimeout: 10_000, maxRetries: 0 });
const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
// Redis goes away twice here; the client reconnects on its own, and its failures are the test's to judge.
redis.on('error', () => undefined);
const children = new Map<string, ChildProcess>();
let ingestUrl: string;
let key: string;

function start(app: AppSpec, env: Record<string, string> = {}): ChildProcess {
  const child = spawnApp(app, { PROCESSOR_INSTANCE_ID: `faults-${app.name}`, ...env }, (error, { code, signal }) => {
    if (code !== 0 && signal !== 'SIGTERM') console.error(error.message);
  });
  children.set(app.name, child);
  return child;
}

async function stopChild(name: string): Promise<void> {
  const child = children.get(name);
  if (!child) return;
  child.kill('SIGTERM');
  await exited(child);
  children.delete(name);
}

const PROCESSORS: AppSpec = { name: 'processors', entry: 'processors/main.ts', args: ['--all'] };

/** Every interaction a client got 202 for, by ticket id. */
const accepted = new Set<string>();
const refusals = new Map<string, number>();

/**
 * A client at a steady rate that keeps each interaction until it is accepted, retrying with its key after the
 * Retry-After a 503 names, or at once after a refused connection.
 */
function steadyClient(): { stop(): Promise<void> } {
  let stopping = false;
  const inFlight = new Set<Promise<void>>();
  const postUntilAccepted = async (i: number) => {
    const idempotencyKey = `faults-${run}-${i}`;
    const body = JSON.stringify({
      conversationId: `conv-${i}`,
      channel: 'CHAT',
      customer: { customerId: `cust-${i % 7}`, externalId: null },
      subject: null,
      body: i % 2 ? `My card ${i} was charged twice, please refund one payment.` : `I cannot log in to account ${i}.`,
      localeHint: 'en',
      externalMessageId: null,
      attachments: [],
    });
    for (;;) {
      const response = await fetch(`${ingestUrl}/v1/interactions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${key}`,
          'idempotency-key': idempotencyKey,
        },
        body,
        signal: AbortSignal.timeout(15_000),
      }).catch((error: unknown) => error as Error);
      if (!(response instanceof Error) && response.status === 202) {
        accepted.add(((await response.json()) as { ticketId: string }).ticketId);
        return;
      }
      const reason = response instanceof Error ? response.name : String(response.status);
      refusals.set(reason, (refusals.get(reason) ?? 0) + 1);
      if (!(response instanceof Error)) {
        // A 503, or a 409 for a key whose first attempt is still in progress, says "retry after"; anything
        // else would leave the client with an answer it cannot act on.
        const text = await response.text();
        const retry = response.status === 503 || (response.status === 409 && text.includes('key_in_progress'));
        if (!retry) assert.fail(`ingest answered ${response.status}: ${text}`);
      }
      const retryAfter = response instanceof Error ? 0.5 : Number(response.headers.get('retry-after') ?? 1);
      await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, 2) * 1000));
    }
  };
  let i = 0;
  const timer = setInterval(() => {
    if (stopping) return;
    const p = postUntilAccepted(i++).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }, 1000 / POSTS_PER_SECOND);
  return {
    async stop() {
      stopping = true;
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}

async function deadLetterEnds(): Promise<TopicEnds[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = ticketflow.topics.filter((t) => t.name.startsWith('tf.dlq.')).map((t) => t.name);
    return await topicEnds(admin, topics);
  } finally {
    await admin.disconnect();
  }
}

const total = (ends: readonly TopicEnds[]) =>
  ends.reduce((sum, { ends: partitions }) => sum + partitions.reduce((s, p) => s + Number(p.high), 0), 0);

async function outage({ server, how, seconds, restartProcessors }: Outage): Promise<void> {
  const began = Date.now();
  if (how === 'stop') await supervisor.stop(server);
  else {
    const pid = (await supervisor.status()).find((s) => s.name === server)?.pid;
    assert.ok(pid, `${server} runs`);
    process.kill(pid, 'SIGKILL');
  }
  if (restartProcessors) {
    await stopChild(PROCESSORS.name);
    start(PROCESSORS);
  }
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, seconds * 1000 - (Date.now() - began))));
  await supervisor.up([server]);
  console.log(`${server} ${how}: away ${((Date.now() - began) / 1000).toFixed(1)} s (back up included)`);
}

/** Accepted tickets routed in MongoDB, searchable with their queue in Elasticsearch and queued in Redis. */
async function visibleEverywhere(): Promise<{ mongo: number; search: number; redis: number; all: number }> {
  const tickets = ticketsCollection(mongo.db(config.mongo.database));
  const routed = new Set(
    (await tickets.find({ orgId, routing: { $ne: null } }, { projection: { ticketId: 1 } }).toArray()).map(
      (t) => t.ticketId,
    ),
  );
  await es.indices.refresh({ index: TICKET_INDEX });
  const { hits } = await es.search<{ ticket_id: string }>({
    index: TICKET_INDEX,
    size: 10_000,
    _source: ['ticket_id'],
    query: { bool: { filter: [{ term: { org_id: orgId } }, { exists: { field: 'queue' } }] } },
  });
  const searchable = new Set(hits.hits.map((h) => h._source!.ticket_id));
  let all = 0;
  let queued = 0;
  for (const ticketId of accepted) {
    const inRedis = Boolean((await readTicketView(redis, orgId, ticketId))?.queue);
    if (inRedis) queued++;
    if (inRedis && routed.has(ticketId) && searchable.has(ticketId)) all++;
  }
  return { mongo: routed.size, search: searchable.size, redis: queued, all };
}

before(async () => {
  await Promise.all([mongo.connect(), redis.connect()]);
  await upsertOrganization(pool, { id: orgId, name: orgId, ingestRatePerSec: 1000, ingestBurst: 1000 });
  key = (await createIngestKey(pool, orgId, 'faults')).key;
  await skipHistoryOfIdleGroups();
  const port = await freePort();
  ingestUrl = `http://127.0.0.1:${port}`;
  start(PROCESSORS);
  start(INGEST_APP, { INGEST_PORT: String(port) });
  await waitUntilOk(`${ingestUrl}/readyz`, 180_000);
});

after(async () => {
  await Promise.all([...children.keys()].map(stopChild));
  // Whatever happened, the servers are left running for whoever comes next.
  await supervisor.up(OUTAGES.map((o) => o.server)).catch((error: unknown) => console.error(error));
  try {
    await ticketsCollection(mongo.db(config.mongo.database)).deleteMany({ orgId });
    await pool.query('DELETE FROM organizations WHERE id = $1', [orgId]);
  } finally {
    await Promise.allSettled([pool.end(), mongo.close(), es.close(), redis.quit()]);
  }
});

// Eleven outages with each server's start-up, then the catch-up: longer than the suite's per-test default.
test(
  'every server away in turn under steady load: no dead letter, nothing lost or duplicated, all caught up',
  { timeout: 900_000 },
  async () => {
    const deadBefore = total(await deadLetterEnds());
    const client = steadyClient();
    try {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      for (const o of OUTAGES) await outage(o);
      await new Promise((resolve) => setTimeout(resolve, 5000));
    } finally {
      await client.stop();
    }
    const lastAccepted = Date.now();
    let seen = await visibleEverywhere();
    while (seen.all < accepted.size && Date.now() - lastAccepted < CATCH_UP_MS) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      seen = await visibleEverywhere();
    }
    console.log(
      `${accepted.size} accepted (refusals on the way: ${JSON.stringify(Object.fromEntries(refusals))}); ` +
        `all visible in the three stores ${((Date.now() - lastAccepted) / 1000).toFixed(1)} s after the last: ` +
        JSON.stringify(seen),
    );
    assert.ok(accepted.size >= POSTS_PER_SECOND * 60, `a steady load ran (${accepted.size} accepted)`);
    assert.equal(seen.all, accepted.size, 'every accepted interaction routed and in MongoDB, Elasticsearch and Redis');
    assert.equal(seen.mongo, accepted.size, 'one ticket per interaction in MongoDB, none more');
    assert.equal(seen.search, accepted.size, 'one search document per interaction, none more');
    const tickets = ticketsCollection(mongo.db(config.mongo.database));
    const crowded = await tickets.countDocuments({ orgId, 'interactions.1': { $exists: true } });
    assert.equal(crowded, 0, 'no ticket holds an interaction twice');
    assert.equal(total(await deadLetterEnds()) - deadBefore, 0, 'no new dead letter in any tf.dlq.* topic');
  },
);
