/**
 * The ticket store against each Mongo-wire server of the stack (mongo-java-server and FerretDB; see
 * ops/stack/smoke/mongo-wire-servers.ts), in the real `tickets` collection: every test org is unique to this run and
 * its tickets are deleted afterwards.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MongoClient, type Db } from 'mongodb';
import { loadConfig } from '../../config/index.js';
import { mongoWireServers, type MongoWireServer } from '../../ops/stack/smoke/mongo-wire-servers.js';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { TicketCommand } from '../../schemas/index.js';
import type { TicketEvent } from './events.js';
import type { TicketDocument } from './ticket-document.js';
import {
  applyTicketEvents,
  ensureTicketStoreIndexes,
  findTickets,
  TicketCache,
  TicketWriteError,
  ticketsCollection,
  type StoredTicket,
  type TicketOutcome,
} from './ticket-store.js';
import { fixtureChain, shuffled } from './test-support.js';

const config = loadConfig();
const run = randomUUID().slice(0, 8);
const org = (name: string) => `it-store-${name}-${run}`;
const orgs = ['a', 'b', 'c', 'd', 'e', 'f'].map(org);

/** The fold's state, without what depends on the order or the writer. */
const state = (doc: StoredTicket | TicketDocument | null) => {
  if (!doc) return doc;
  const { writeId: _w, revision: _r, _id, orgId: _o, ...rest } = doc as StoredTicket;
  return rest;
};

function outcome(results: Map<string, TicketOutcome | TicketWriteError>, id: string): TicketOutcome {
  const result = results.get(id);
  assert.ok(result && !(result instanceof TicketWriteError), `ticket ${id}: ${String(result)}`);
  return result;
}

for (const server of await mongoWireServers(config)) {
  describe(`ticket store on ${server.name}`, { skip: server.skip }, () => storeTests(server));
}

function storeTests(server: MongoWireServer): void {
  const client = new MongoClient(server.url, { serverSelectionTimeoutMS: 5000, appName: 'ticketflow-sinks-it' });
  let db: Db;
  const stored = (orgId: string, ticketId = 'T-1042') => ticketsCollection(db).findOne({ _id: `${orgId}:${ticketId}` });

  before(async () => {
    db = client.db(config.mongo.database);
    await ensureTicketStoreIndexes(ticketsCollection(db));
  });

  after(async () => {
    try {
      await ticketsCollection(db).deleteMany({ orgId: { $in: orgs } });
    } finally {
      await client.close();
    }
  });

  test('indexes are created idempotently, compare-and-set among them', async () => {
    await ensureTicketStoreIndexes(ticketsCollection(db));
    const names = (await ticketsCollection(db).listIndexes().toArray()).map((i) => i.name);
    for (const name of ['id_revision', 'org_status_updated', 'org_queue']) assert.ok(names.includes(name), name);
  });

  test('a batch holding a whole chain materialises one ticket in one write; replays change nothing', async () => {
    const orgId = org('a');
    const chain = fixtureChain(orgId);
    const results = await applyTicketEvents(ticketsCollection(db), chain);
    const first = outcome(results, `${orgId}:T-1042`);
    assert.equal(first.changed, true);
    const doc = await stored(orgId);
    assert.ok(doc);
    assert.equal(doc.status, 'pending');
    assert.equal(doc.queue, 'billing-en');
    assert.equal(doc.priority, 'P2');
    assert.equal(doc.slaDueAt, sampleEvents.RoutingDecided.routing.firstResponseDueAt);
    assert.equal(doc.message?.body, sampleEvents.InteractionReceived.body);
    assert.equal(doc.classification?.intent, 'billing.refund');
    assert.equal(doc.replies.length, 1);
    assert.equal(doc.revision, chain.length);
    assert.deepEqual(state(doc), state(first.ticket));

    for (const batch of [chain, shuffled(chain, 7), chain.slice(2, 4)]) {
      const again = outcome(await applyTicketEvents(ticketsCollection(db), batch), `${orgId}:T-1042`);
      assert.equal(again.changed, false);
    }
    assert.deepEqual(await stored(orgId), doc, 'replays leave the stored ticket byte for byte');
    assert.equal(await ticketsCollection(db).countDocuments({ orgId }), 1);
  });

  test('events one at a time, in any order, converge on the same ticket as a whole batch', async () => {
    const inOrder = await stored(org('a'));
    const cache = new TicketCache(10);
    for (const event of shuffled(fixtureChain(org('c')), 3)) {
      await applyTicketEvents(ticketsCollection(db), [event], cache);
    }
    assert.deepEqual(state(await stored(org('c'))), state(inOrder));
  });

  test('two writers of one ticket at once never lose an update', async () => {
    const orgId = org('b');
    const [received] = fixtureChain(orgId);
    await applyTicketEvents(ticketsCollection(db), [received!]);
    const base = sampleEvents.TicketCommand;
    const replies = Array.from({ length: 40 }, (_, i): TicketEvent => ({
      ...base,
      replyText: `reply ${i}`,
      meta: { ...base.meta, orgId, eventId: randomUUID(), occurredAt: base.meta.occurredAt + i },
    }));
    // Two sink instances with caches of their own, writing interleaved small batches of the same ticket.
    const writers = [new TicketCache(10), new TicketCache(10)];
    await Promise.all(
      writers.map(async (cache, w) => {
        for (let i = w * 2; i < replies.length; i += 4) {
          const results = await applyTicketEvents(ticketsCollection(db), replies.slice(i, i + 2), cache);
          outcome(results, `${orgId}:T-1042`);
        }
      }),
    );
    const doc = await stored(orgId);
    assert.deepEqual(
      doc!.replies.map((r) => r.text).sort(),
      replies.map((r) => (r as TicketCommand).replyText).sort(),
      'every reply of both writers is there, once',
    );
    assert.equal(doc!.revision, 1 + replies.length);
  });

  test('a stale cache is only a hint: its compare-and-set fails and the ticket is reloaded', async () => {
    const orgId = org('d');
    const [received, enriched, classified] = fixtureChain(orgId);
    const cache = new TicketCache(10);
    await applyTicketEvents(ticketsCollection(db), [received!], cache);
    // Another writer moves the ticket on behind this cache's back.
    await applyTicketEvents(ticketsCollection(db), [enriched!]);
    const results = await applyTicketEvents(ticketsCollection(db), [classified!], cache);
    const after = outcome(results, `${orgId}:T-1042`);
    assert.equal(after.ticket.revision, 3);
    assert.ok((await stored(orgId))!.enrichment, 'the other writer’s enrichment survived');
    assert.ok((await stored(orgId))!.classification, 'and this one’s classification landed');
  });

  test('many tickets in one batch: one outcome each, and a document the store refuses fails only its ticket', async () => {
    const orgId = org('e');
    const chains = Array.from({ length: 50 }, (_, i) =>
      fixtureChain(orgId).map((e) => ({ ...e, meta: { ...e.meta, ticketId: `T-${i}`, eventId: randomUUID() } })),
    );
    const events = shuffled(chains.flat() as TicketEvent[], 11);
    // A ticket over the store's 16 MB document limit (thousands of long messages would do it).
    const poisoned = chains[7]![0]! as TicketEvent & { body: string };
    const bad = { ...poisoned, meta: { ...poisoned.meta, eventId: randomUUID() }, body: 'x'.repeat(17 * 1024 * 1024) };
    const results = await applyTicketEvents(ticketsCollection(db), [...events, bad]);
    assert.equal(results.size, 50);
    const failures = [...results.values()].filter((r) => r instanceof TicketWriteError);
    assert.equal(failures.length, 1, 'the poisoned ticket fails, and only it');
    for (const [id, result] of results) {
      if (result instanceof TicketWriteError) {
        assert.equal(id, `${orgId}:T-7`);
        assert.equal(result.permanent, true);
      } else assert.equal(result.ticket.status, 'pending');
    }
    assert.equal(await ticketsCollection(db).countDocuments({ orgId }), 50 - failures.length);
  });

  test('a batch that updates hundreds of stored tickets writes every one of them', async () => {
    const orgId = org('f');
    const count = 300;
    const chains = Array.from({ length: count }, (_, i) =>
      fixtureChain(orgId).map((e) => ({ ...e, meta: { ...e.meta, ticketId: `T-${i}`, eventId: randomUUID() } })),
    );
    await applyTicketEvents(
      ticketsCollection(db),
      chains.map((chain) => chain[0]!),
    );
    // Every ticket exists, so this batch is one compare-and-set update per ticket.
    const results = await applyTicketEvents(
      ticketsCollection(db),
      chains.map((chain) => chain[1]!),
    );
    assert.equal(results.size, count);
    for (const id of results.keys()) assert.equal(outcome(results, id).changed, true);
    const enriched = await ticketsCollection(db).countDocuments({ orgId, enrichment: { $ne: null } });
    assert.equal(enriched, count, 'every ticket carries the enrichment');
  });

  test('queries are scoped by org', async () => {
    assert.deepEqual(
      (await findTickets(db, org('a'))).map((t) => t.orgId),
      [org('a')],
    );
    assert.equal((await findTickets(db, org('a'), { queue: 'billing-en' })).length, 1);
    assert.equal((await findTickets(db, org('b'), { queue: 'billing-en' })).length, 0);
    assert.equal((await findTickets(db, `it-store-none-${run}`)).length, 0);
  });
}
