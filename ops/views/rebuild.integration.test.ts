/**
 * Blue/green rebuilds on the real servers, each on throwaway topics and an index alias or database of the test's
 * own: a rebuilt version equals the live one, readers never fail or see a gap across the switch, a difference
 * stops the switch and leaves a version that can be resumed or aborted, and a rebuilt ticket store is followed by
 * the live sink, whose revisions then start above the old version's.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import pino from 'pino';
import type { TicketChanged } from '../../schemas/index.js';
import { Dependency } from '../../processors/runtime/dependency.js';
import { startStages } from '../../processors/runtime/main.js';
import { explicitWiring } from '../../processors/runtime/wiring.js';
import type { TicketEvent } from '../../processors/sinks/events.js';
import { applyChanges, keyVersion } from '../../processors/sinks/live-views.js';
import { currentLiveViewsVersion, liveViewsPointer } from '../../processors/sinks/live-views-versions.js';
import { ensureTicketIndex, indexChanges, searchTickets } from '../../processors/sinks/search-index.js';
import { ticketStoreSink } from '../../processors/sinks/stages.js';
import { fixtureChain, revisions } from '../../processors/sinks/test-support.js';
import {
  currentTicketStoreVersion,
  revisionBase,
  ticketsOfVersion,
} from '../../processors/sinks/ticket-store-versions.js';
import {
  collect,
  config,
  createTestTopics,
  interaction,
  kafka,
  produceEvents,
  type TestTopics,
} from '../../processors/testing/kafka-kit.js';
import { readDetail, readListPage } from '../../query-api/live-view-reads.js';
import { UsageError } from '../cli/command.js';
import { liveViewsView } from './live-views-view.js';
import { rebuildGroup, rebuildView, type RebuildRequest } from './rebuild.js';
import { searchIndexView } from './search-index-view.js';
import { ticketStoreView } from './ticket-store-view.js';
import type { VersionedView } from './view.js';

const es = new Client({ node: config.elasticsearch.url });
// A logical database of the test's own: the live views' pointer and keys are global to a Redis database, and the
// demo's query API and sinks read and write database 0 meanwhile.
const REDIS_TEST_DB = 9;
const redis = new Redis(config.redis.url, { db: REDIS_TEST_DB });
const mongo = new MongoClient(config.mongo.url);
const admin = kafka.admin();
const quiet = pino({ level: 'silent' });
const always = (name: string) => new Dependency(name, { probe: async () => undefined });

const alias = `tftest-tickets-${randomUUID().slice(0, 8)}`;
const orgs = [`views-a-${randomUUID().slice(0, 6)}`, `views-b-${randomUUID().slice(0, 6)}`];
const TICKETS_PER_ORG = 15;
let changesTopic: TestTopics;
let receivedTopic: TestTopics;
let storeChanges: TestTopics;
let dlq: TestTopics;
let db: Db;

/** Every revision of TICKETS_PER_ORG tickets per org, each ticket the fixture chain under its own id. */
function changelog(): TicketChanged[] {
  return orgs.flatMap((org) =>
    Array.from({ length: TICKETS_PER_ORG }, (_, t) =>
      revisions(
        fixtureChain(org).map((e) => ({ ...e, meta: { ...e.meta, ticketId: `T-${t}`, conversationId: `c-${t}` } })),
      ),
    ).flat(),
  );
}

before(async () => {
  await Promise.all([admin.connect(), mongo.connect()]);
  db = mongo.db(`tftest_views_${randomUUID().slice(0, 8)}`);
  changesTopic = await createTestTopics(['changes'], 'TicketChanged', 3);
  receivedTopic = await createTestTopics(['received'], 'InteractionReceived', 3);
  storeChanges = await createTestTopics(['store-changes'], 'TicketChanged', 3);
  dlq = await createTestTopics(['dlq'], 'TicketChanged', 1);
});

after(async () => {
  await es.indices.delete({ index: `${alias}*`, ignore_unavailable: true }).catch(() => undefined);
  await db.dropDatabase().catch(() => undefined);
  for (const topics of [changesTopic, receivedTopic, storeChanges, dlq]) await topics?.dispose();
  await redis.flushdb().catch(() => undefined);
  await Promise.all([admin.disconnect(), mongo.close(), es.close(), redis.quit()]);
});

/** A rebuild of `view` from the test's changelog topic. */
function changelogRebuild(view: VersionedView, overrides: Partial<RebuildRequest> = {}) {
  return rebuildView({
    view,
    wiring: explicitWiring({
      groupId: 'unused',
      inputTopics: changesTopic.names,
      deadLetterTopic: dlq.names[0]!,
      event: 'TicketChanged',
    }),
    admin,
    config,
    dependencies: [],
    compareWithinMs: 3000,
    ...overrides,
  });
}

const searchRebuild = (overrides: Partial<RebuildRequest> = {}) =>
  changelogRebuild(searchIndexView(es, always('elasticsearch'), alias), overrides);

/** Reads in a loop, as a dashboard would, until stopped; then what each read saw and how many failed. */
function readerLoop<T>(read: () => Promise<T>) {
  let reading = true;
  const seen: T[] = [];
  let failures = 0;
  const loop = (async () => {
    while (reading) {
      try {
        seen.push(await read());
      } catch {
        failures += 1;
      }
    }
  })();
  return {
    async stop() {
      await sleep(200);
      reading = false;
      await loop;
      return { seen, failures };
    },
  };
}

test('a rebuilt search index equals the live one and takes over its alias while readers search', async () => {
  const changes = changelog();
  await produceEvents(changesTopic.names[0]!, changes);
  // The live version, as the running sink would have written it.
  await ensureTicketIndex(es, alias);
  await indexChanges(es, changes, { index: alias, refresh: 'wait_for' });

  const reader = readerLoop(async () => (await searchTickets(es, orgs[0]!, '', { index: alias, size: 100 })).length);
  const result = await searchRebuild();
  const { seen, failures } = await reader.stop();

  assert.equal(result.switched, true, JSON.stringify(result.differences));
  assert.deepEqual([result.from, result.to], [1, 2]);
  assert.equal(result.events, changes.length);
  assert.deepEqual(result.tickets, { live: 2 * TICKETS_PER_ORG, rebuilt: 2 * TICKETS_PER_ORG });
  assert.deepEqual(Object.keys(await es.indices.getAlias({ name: alias })), [`${alias}-v2`]);
  assert.ok(await es.indices.exists({ index: `${alias}-v1` }), 'the old version is kept until dropped');
  assert.equal(failures, 0);
  assert.ok(seen.length > 0 && seen.every((n) => n === TICKETS_PER_ORG), `reads saw ${[...new Set(seen)]}`);
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
  assert.ok(!groups.includes(rebuildGroup('search-index', 2)), 'the rebuild group is deleted after the switch');
});

test('rebuilt live views equal the live ones and take over their pointer while the query API reads on', async () => {
  await redis.flushdb();
  const changes = changelog();
  await produceEvents(changesTopic.names[0]!, changes);
  await applyChanges(redis, changes); // version 1, as the running sink would have written it
  const view = liveViewsView(redis, always('redis'));
  const pointer = liveViewsPointer(redis, 0);
  const firstTicket = changes[0]!.meta;

  const reader = readerLoop(async () => {
    const version = await pointer.current();
    const page = await readListPage(redis, version, orgs[0]!, {}, 100, null);
    const detail = await readDetail(redis, version, firstTicket.orgId, firstTicket.ticketId);
    return detail === null ? -1 : page.items.length;
  });
  const result = await changelogRebuild(view, { dropOld: true });
  const { seen, failures } = await reader.stop();

  assert.equal(result.switched, true, JSON.stringify(result.differences));
  assert.deepEqual([result.from, result.to, result.dropped], [1, 2, 1]);
  assert.deepEqual(result.tickets, { live: 2 * TICKETS_PER_ORG, rebuilt: 2 * TICKETS_PER_ORG });
  assert.equal(await currentLiveViewsVersion(redis), 2);
  assert.deepEqual(await view.versions(), [2]);
  assert.equal(failures, 0);
  assert.ok(seen.length > 0 && seen.every((n) => n === TICKETS_PER_ORG), `reads saw ${[...new Set(seen)]}`);
  const versionsLeft = new Set((await redis.keys('tf:*')).map(keyVersion).filter((v) => v !== null));
  assert.deepEqual([...versionsLeft], [2], 'the keys of the old version are dropped');
});

/** Deletes a ticket's document at its own version, so indexing that revision again is accepted. */
function loseTicket(index: string, change: TicketChanged) {
  const id = `${change.meta.orgId}:${change.meta.ticketId}`;
  return es.delete({ index, id, version: change.revision, version_type: 'external_gte', refresh: true });
}

test('versions that differ are not switched; the version left can be resumed once they agree, or aborted', async () => {
  // The live version (2) loses a ticket: a rebuild from the log has it, so the two differ for that org.
  const view = searchIndexView(es, always('elasticsearch'), alias);
  const [lost] = changelog()
    .filter((c) => c.meta.orgId === orgs[1])
    .slice(-1);
  await loseTicket(alias, lost!);

  const refused = await searchRebuild();
  assert.equal(refused.switched, false);
  assert.deepEqual(
    refused.differences.map((d) => [d.org, d.live?.count, d.rebuilt?.count]),
    [[orgs[1], TICKETS_PER_ORG - 1, TICKETS_PER_ORG]],
  );
  assert.equal(await view.current(), 2, 'readers stay on the live version');

  await assert.rejects(searchRebuild(), (e: Error) => e instanceof UsageError && /--resume/.test(e.message));

  await indexChanges(es, [lost!], { index: alias, refresh: 'wait_for' });
  const resumed = await searchRebuild({ resume: true, dropOld: true });
  assert.equal(resumed.switched, true, JSON.stringify(resumed.differences));
  assert.equal(resumed.to, 3);
  assert.equal(resumed.dropped, 2);
  assert.deepEqual(await view.versions(), [1, 3]);

  await loseTicket(alias, lost!);
  assert.equal((await searchRebuild()).switched, false);
  const aborted = await searchRebuild({ abort: true });
  assert.equal(aborted.aborted, true);
  assert.deepEqual(await view.versions(), [1, 3]);
  assert.equal(await view.current(), 3);
  await assert.rejects(searchRebuild({ resume: true }), /no unfinished rebuild/);
});

test('a rebuilt ticket store is followed by the live sink, whose revisions then start above the old ones', async () => {
  const received = receivedTopic.names[0]!;
  const first: TicketEvent[] = orgs.flatMap((org) =>
    Array.from({ length: TICKETS_PER_ORG }, (_, t) => interaction(org, `conv-${t}`, `first message ${t}`)),
  );
  await produceEvents(received, first);
  const changes = await collect<TicketChanged>(storeChanges.names[0]!, 'TicketChanged');
  const live = await startStages(
    [
      {
        stage: ticketStoreSink(db, always('ticket-store')),
        wiring: {
          ...explicitWiring({
            groupId: `test.live.${randomUUID().slice(0, 8)}`,
            inputTopics: [received],
            outputTopic: storeChanges.names[0]!,
            deadLetterTopic: dlq.names[0]!,
            event: 'InteractionReceived',
          }),
        },
      },
    ],
    { config, logger: quiet },
  );
  try {
    await changes.until((r) => r.length >= first.length);
    const result = await rebuildView({
      view: ticketStoreView(db, always('ticket-store')),
      wiring: explicitWiring({
        groupId: 'unused',
        inputTopics: [received],
        deadLetterTopic: dlq.names[0]!,
        event: 'InteractionReceived',
      }),
      admin,
      config,
      dependencies: [],
      compareWithinMs: 10_000,
    });
    assert.equal(result.switched, true, JSON.stringify(result.differences));
    assert.equal(await currentTicketStoreVersion(db), 2);
    assert.equal(await ticketsOfVersion(db, 2).countDocuments({}), first.length);

    // After the switch the live sink writes the new version and publishes its revisions.
    const second = orgs.map((org) => interaction(org, 'conv-0', 'a follow-up after the rebuild'));
    await produceEvents(received, second);
    const ticket = (org: string) => `${org}:ticket-conv-0`;
    await changes.until(
      (r) =>
        orgs.every((org) => r.some((x) => x.event && x.event.revision > revisionBase(2) && x.event.meta.orgId === org)),
      30_000,
    );
    for (const org of orgs) {
      const stored = await ticketsOfVersion(db, 2).findOne({ _id: ticket(org) });
      assert.equal(stored?.interactions.length, 2, 'the follow-up reached the new version');
      assert.ok(stored.revision > revisionBase(2));
      const old = await ticketsOfVersion(db, 1).findOne({ _id: ticket(org) });
      assert.equal(old?.interactions.length, 1, 'the old version is left as it was at the switch');
    }
  } finally {
    await live.stop();
    await changes.stop();
  }
});
