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
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { createIngestKey, upsertOrganization } from '../ops/db/ingest-keys.js';
import { freePort, waitUntilOk } from '../ops/net.js';
import { INGEST_APP, type AppSpec } from '../ops/stack/apps.js';
import { stackServices } from '../ops/stack/services/index.js';
import { Supervisor } from '../ops/stack/supervisor.js';
import { ticketsCollection } from './sinks/ticket-store.js';
import {
  deadLetterCount,
  duplicates,
  outage,
  outageName,
  SteadyClient,
  untilEverywhere,
  type Outage,
  type StoreClients,
} from './testing/fault-kit.js';
import { config, exited, spawnApp } from './testing/kafka-kit.js';
import { skipHistoryOfIdleGroups } from './testing/pipeline-kit.js';

/** Each longer than the retry budget (5 attempts over about 1.5 s), which used to dead-letter healthy events. */
const OUTAGES: ReadonlyArray<Outage & { restartProcessors?: boolean }> = [
  { server: 'elasticsearch', how: 'stop', seconds: 15 },
  { server: 'mongo', how: 'stop', seconds: 15 },
  { server: 'postgres', how: 'stop', seconds: 15 },
  { server: 'redis', how: 'stop', seconds: 10 },
  // The processors are restarted while the registry is away.
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
const stores: StoreClients = { tickets: ticketsCollection(mongo.db(config.mongo.database)), es, redis };
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

async function restartProcessors(): Promise<void> {
  await stopChild(PROCESSORS.name);
  start(PROCESSORS);
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
    await stores.tickets.deleteMany({ orgId });
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
    const deadBefore = await deadLetterCount();
    const client = new SteadyClient({ ingestUrl, key, run: `faults-${run}` }, POSTS_PER_SECOND);
    client.start();
    try {
      await sleep(5000);
      for (const o of OUTAGES) {
        client.label = outageName(o);
        const away = await outage(supervisor, o, o.restartProcessors ? restartProcessors : undefined);
        client.label = '';
        console.log(`${outageName(o)}: away ${away.toFixed(1)} s (back up included)`);
      }
      await sleep(5000);
    } finally {
      await client.stop();
    }
    const ticketIds = client.accepted.map((a) => a.ticketId);
    const caughtUpMs = await untilEverywhere(stores, orgId, ticketIds, CATCH_UP_MS, 2000);
    const refusals = Object.fromEntries(
      [...client.refusals].map(([label, reasons]) => [label || 'no outage', Object.fromEntries(reasons)]),
    );
    console.log(
      `${ticketIds.length} accepted (refusals on the way: ${JSON.stringify(refusals)}); all visible in the three ` +
        `stores ${caughtUpMs === null ? 'never' : `${(caughtUpMs / 1000).toFixed(1)} s`} after the last was accepted`,
    );
    assert.ok(ticketIds.length >= POSTS_PER_SECOND * 60, `a steady load ran (${ticketIds.length} accepted)`);
    for (const o of OUTAGES.filter((o) => o.server === 'postgres')) {
      // Ingest needs PostgreSQL only to verify a key, and this client's was verified before the outage.
      assert.equal(client.refusalsOf(outageName(o)), 0, `ingest refused nothing while ${outageName(o)}`);
    }
    assert.notEqual(caughtUpMs, null, 'every accepted interaction routed and in MongoDB, Elasticsearch and Redis');
    assert.deepEqual(
      await duplicates(stores, orgId, ticketIds),
      { extraTickets: 0, ticketsWithInteractionTwice: 0, extraSearchDocuments: 0 },
      'one ticket and one search document per interaction, none holding an interaction twice',
    );
    assert.equal((await deadLetterCount()) - deadBefore, 0, 'no new dead letter in any tf.dlq.* topic');
  },
);
