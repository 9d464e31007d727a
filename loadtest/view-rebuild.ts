/**
 * `npm run bench:rebuild`: how fast `ticketflow views rebuild` fills a new version, in events per second, on
 * throwaway topics, an index alias, a Mongo database and a Redis database of its own (the stack's views are not
 * touched): the search index and the live views from a changelog of `--changes` revisions, the ticket store from
 * `--interactions` received interactions.
 * Each rebuild runs the real engine (ops/views/rebuild.ts) end to end, comparison and switch included.
 *
 *   npm run bench:rebuild -- [--changes 50000] [--interactions 20000] [--json FILE]
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { Dependency } from '../processors/runtime/dependency.js';
import { explicitWiring } from '../processors/runtime/wiring.js';
import { applyChanges } from '../processors/sinks/live-views.js';
import { ensureTicketIndex, indexChanges } from '../processors/sinks/search-index.js';
import { applyTicketEvents } from '../processors/sinks/ticket-store.js';
import { ticketsOfVersion } from '../processors/sinks/ticket-store-versions.js';
import { fixtureChain, revisions } from '../processors/sinks/test-support.js';
import { config, createTestTopics, interaction, kafka, produceEvents } from '../processors/testing/kafka-kit.js';
import { liveViewsView } from '../ops/views/live-views-view.js';
import { rebuildView, type RebuildResult } from '../ops/views/rebuild.js';
import { searchIndexView } from '../ops/views/search-index-view.js';
import { ticketStoreView } from '../ops/views/ticket-store-view.js';
import { markdownTable, round } from './stats.js';
import type { TicketChanged } from '../schemas/index.js';

const { values } = parseArgs({
  options: {
    changes: { type: 'string', default: '50000' },
    interactions: { type: 'string', default: '20000' },
    json: { type: 'string' },
  },
});
const changeCount = Number(values.changes);
const interactionCount = Number(values.interactions);
const always = (name: string) => new Dependency(name, { probe: async () => undefined });
const ORGS = 6;

/** Revisions of as many tickets as it takes, over six orgs, each ticket the fixture chain under its own id. */
function changelog(count: number): TicketChanged[] {
  const out: TicketChanged[] = [];
  for (let t = 0; out.length < count; t++) {
    const org = `rebuild-bench-${t % ORGS}`;
    const chain = fixtureChain(org).map((e) => ({
      ...e,
      meta: { ...e.meta, ticketId: `T-${t}`, conversationId: `c-${t}` },
    }));
    out.push(...revisions(chain));
  }
  return out.slice(0, count);
}

const es = new Client({ node: config.elasticsearch.url, requestTimeout: 120_000 });
const mongo = new MongoClient(config.mongo.url);
// The live views' keys and pointer are global to a Redis database: this one is the benchmark's alone.
const redis = new Redis(config.redis.url, { db: 10 });
await redis.flushdb();
const admin = kafka.admin();
const alias = `tfbench-tickets-${randomUUID().slice(0, 8)}`;
const topics = await createTestTopics(['changes'], 'TicketChanged', 12);
const received = await createTestTopics(['received'], 'InteractionReceived', 12);
const dlq = await createTestTopics(['dlq'], 'TicketChanged', 1);
await Promise.all([admin.connect(), mongo.connect()]);
const db = mongo.db(`tfbench_rebuild_${randomUUID().slice(0, 8)}`);
const results: RebuildResult[] = [];
try {
  console.log(`producing ${changeCount} ticket changes and ${interactionCount} interactions`);
  const changes = changelog(changeCount);
  await produceEvents(topics.names[0]!, changes);
  // Three messages per conversation, so the store folds follow-ups into existing tickets as it does live.
  const interactions = Array.from({ length: interactionCount }, (_, i) => {
    const conversation = Math.floor(i / 3);
    return interaction(`rebuild-bench-${conversation % ORGS}`, `conv-${conversation}`, `message ${i}`);
  });
  await produceEvents(received.names[0]!, interactions);
  // The live versions the rebuilds are compared with, written directly by the sinks' own code.
  await ensureTicketIndex(es, alias);
  for (let i = 0; i < changes.length; i += 2000) await indexChanges(es, changes.slice(i, i + 2000), { index: alias });
  for (let i = 0; i < changes.length; i += 2000) await applyChanges(redis, changes.slice(i, i + 2000));
  for (let i = 0; i < interactions.length; i += 1000) {
    await applyTicketEvents(ticketsOfVersion(db, 1), interactions.slice(i, i + 1000));
  }

  const rebuild = async (
    name: string,
    request: Omit<Parameters<typeof rebuildView>[0], 'admin' | 'config' | 'dependencies'>,
  ) => {
    console.log(`rebuilding ${name}`);
    const result = await rebuildView({ ...request, admin, config, dependencies: [], compareWithinMs: 30_000 });
    if (!result.switched)
      throw new Error(`${name}: versions differ: ${JSON.stringify(result.differences.slice(0, 3))}`);
    results.push(result);
  };
  // The search index and the live views are both projections of the changelog.
  const changelogWiring = explicitWiring({
    groupId: 'unused',
    inputTopics: topics.names,
    deadLetterTopic: dlq.names[0]!,
    event: 'TicketChanged',
  });
  await rebuild('search-index', { view: searchIndexView(es, always('elasticsearch'), alias), wiring: changelogWiring });
  await rebuild('live-views', { view: liveViewsView(redis, always('redis')), wiring: changelogWiring });
  await rebuild('ticket-store', {
    view: ticketStoreView(db, always('ticket-store')),
    wiring: explicitWiring({
      groupId: 'unused',
      inputTopics: received.names,
      deadLetterTopic: dlq.names[0]!,
      event: 'InteractionReceived',
    }),
  });
} finally {
  await es.indices.delete({ index: `${alias}*`, ignore_unavailable: true }).catch(() => undefined);
  await db.dropDatabase().catch(() => undefined);
  await redis.flushdb().catch(() => undefined);
  redis.disconnect();
  for (const t of [topics, received, dlq]) await t.dispose();
  await Promise.all([admin.disconnect(), mongo.close(), es.close()]);
}

console.log(
  `\nblue/green rebuilds, ${availableParallelism()} cores, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ')}\n`,
);
console.log(
  markdownTable(
    ['view', 'events', 'tickets', 'seconds to catch up', 'events/s'],
    results.map((r) => [r.view, r.events, r.tickets.rebuilt, round(r.seconds, 1), round(r.eventsPerSec)]),
  ),
);
if (values.json) {
  const rows = results.map((r) => ({
    view: r.view,
    events: r.events,
    tickets: r.tickets.rebuilt,
    seconds: r.seconds,
    eventsPerSec: r.eventsPerSec,
  }));
  writeFileSync(values.json, `${JSON.stringify({ rebuilds: rows }, null, 2)}\n`);
}
process.exit(0);
