/**
 * The ticket store against the stack's Mongo-wire server, in the real `tickets` collection: every test org is
 * unique to this run and its tickets are deleted afterwards.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { MongoClient, type Db } from 'mongodb';
import { loadConfig } from '../../config/index.js';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { TicketDocument } from './ticket-document.js';
import {
  applyToTicketStore,
  ensureTicketStoreIndexes,
  findTickets,
  storeTicketEvent,
  ticketsCollection,
} from './ticket-store.js';
import { fixtureChain, shuffled } from './test-support.js';

const config = loadConfig();
const client = new MongoClient(config.mongo.url, { serverSelectionTimeoutMS: 5000, appName: 'ticketflow-sinks-it' });
const run = randomUUID().slice(0, 8);
const orgA = `it-store-a-${run}`;
const orgB = `it-store-b-${run}`;
const orgC = `it-store-c-${run}`;
const orgD = `it-store-d-${run}`;
let db: Db;

const state = (doc: TicketDocument | null) => doc && { ...doc, appliedEventIds: [...doc.appliedEventIds].sort() };

before(async () => {
  db = client.db(config.mongo.database);
  await ensureTicketStoreIndexes(db);
});

after(async () => {
  try {
    await ticketsCollection(db).deleteMany({ orgId: { $in: [orgA, orgB, orgC, orgD] } });
  } finally {
    await client.close();
  }
});

test('indexes are created idempotently', async () => {
  await ensureTicketStoreIndexes(db);
  const names = (await ticketsCollection(db).listIndexes().toArray()).map((i) => i.name);
  assert.ok(names.includes('org_status_updated'));
  assert.ok(names.includes('org_queue'));
});

test('the chain materialises one ticket; replays and shuffles change nothing', async () => {
  const chain = fixtureChain(orgA);
  for (const event of chain) assert.equal(await applyToTicketStore(db, event), 'applied');

  const stored = await ticketsCollection(db).findOne({ _id: `${orgA}:T-1042` });
  assert.ok(stored);
  assert.equal(stored.status, 'pending');
  assert.equal(stored.queue, 'billing-en');
  assert.equal(stored.priority, 'P2');
  assert.equal(stored.slaDueAt, sampleEvents.RoutingDecided.routing.firstResponseDueAt);
  assert.equal(stored.message?.body, sampleEvents.InteractionReceived.body);
  assert.equal(stored.classification?.intent, 'billing.refund');
  assert.equal(stored.replies.length, 1);
  assert.equal(stored.appliedEventIds.length, chain.length);
  assert.equal(stored.revision, chain.length);

  for (const event of [...chain, ...shuffled(chain, 7)]) {
    assert.equal(await applyToTicketStore(db, event), 'duplicate');
  }
  assert.deepEqual(await ticketsCollection(db).findOne({ _id: `${orgA}:T-1042` }), stored);
  assert.equal(await ticketsCollection(db).countDocuments({ orgId: orgA }), 1);
});

test('events arriving out of order converge on the in-order ticket', async () => {
  const inOrder = await ticketsCollection(db).findOne({ _id: `${orgA}:T-1042` });
  for (const event of shuffled(fixtureChain(orgC), 3)) await applyToTicketStore(db, event);
  const outOfOrder = await ticketsCollection(db).findOne({ _id: `${orgC}:T-1042` });
  assert.deepEqual({ ...state(outOfOrder), _id: 'x', orgId: 'x' }, { ...state(inOrder), _id: 'x', orgId: 'x' });
});

test('concurrent deliveries of one event apply it once', async () => {
  const [received] = fixtureChain(orgB);
  const outcomes = await Promise.all(Array.from({ length: 6 }, () => applyToTicketStore(db, received!)));
  assert.equal(outcomes.filter((o) => o === 'applied').length, 1);
  const doc = await ticketsCollection(db).findOne({ _id: `${orgB}:T-1042` });
  assert.deepEqual(doc?.appliedEventIds, [received!.meta.eventId]);
});

test('storing an event answers with the ticket exactly as stored, applied or duplicate', async () => {
  const chain = fixtureChain(orgD);
  for (const event of [...chain, ...shuffled(chain, 5)]) {
    const { ticket } = await storeTicketEvent(db, event);
    assert.deepEqual(ticket, await ticketsCollection(db).findOne({ _id: `${orgD}:T-1042` }));
  }
});

test('queries are scoped by org', async () => {
  const a = await findTickets(db, orgA);
  const b = await findTickets(db, orgB);
  assert.deepEqual(
    a.map((t) => t.orgId),
    [orgA],
  );
  assert.deepEqual(
    b.map((t) => t.orgId),
    [orgB],
  );
  assert.equal((await findTickets(db, orgA, { queue: 'billing-en' })).length, 1);
  assert.equal((await findTickets(db, orgB, { queue: 'billing-en' })).length, 0);
  assert.equal((await findTickets(db, `it-store-none-${run}`)).length, 0);
});
