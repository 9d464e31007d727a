import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MongoClient, MongoServerError, type Collection, type Db } from 'mongodb';
import { loadConfig } from '../../../config/index.js';
import { mongoWireServers, type MongoWireServer } from './mongo-wire-servers.js';

// The local stack serves MongoDB's wire protocol from mongo-java-server (and optionally FerretDB), not mongod: these
// are the operations the ticket store relies on, so a gap in a stand-in shows up here rather than in the store's own
// tests. Every test runs against each Mongo-wire server that is running.

interface Ticket {
  _id: string;
  status: string;
  priority?: number;
  createdAt?: Date;
  customer?: { id: string; tier: string };
  events?: { kind: string; at: Date }[];
  tags?: string[];
  externalRef?: string;
}

/** What a server is known not to do, by test name: the test still runs and is reported as TODO with the reason. */
const KNOWN_GAPS: Record<string, Record<string, string>> = {
  ferretdb: {
    'compound index, and a unique index rejects a duplicate with code 11000':
      'FerretDB 1.24.2 rejects an update that collides on a unique index with a PostgreSQL error (SQLSTATE 23505), not code 11000',
    'filters and sorts on nested fields and into arrays':
      'FerretDB 1.24.2 refuses $elemMatch with field conditions: "unknown operator: kind" (BadValue)',
  },
};

const config = loadConfig();
const servers = await mongoWireServers(config);

for (const server of servers) {
  describe(`Mongo-wire smoke on ${server.name}`, { skip: server.skip }, () => smokeTests(server));
}

function smokeTests(server: MongoWireServer): void {
  const client = new MongoClient(server.url, { serverSelectionTimeoutMS: 5000, appName: 'ticketflow-smoke' });
  const gaps = KNOWN_GAPS[server.name] ?? {};
  const check = (name: string, body: () => Promise<void>) => test(name, { todo: gaps[name] }, body);
  let db: Db;
  let tickets: Collection<Ticket>;

  before(async () => {
    db = client.db(config.mongo.database);
    tickets = db.collection<Ticket>(`smoke_${randomUUID().replaceAll('-', '')}`);
    const ping = await db.command({ ping: 1 });
    assert.equal(ping.ok, 1);
  });

  after(async () => {
    try {
      if (tickets) await tickets.drop().catch(() => undefined);
    } finally {
      await client.close();
    }
  });

  function isDuplicateKey(err: unknown): boolean {
    return err instanceof MongoServerError && err.code === 11000;
  }

  check('insert, idempotent upsert, find with filter and sort, count', async () => {
    await tickets.insertOne({ _id: 't-1', status: 'open', priority: 2 });
    await tickets.insertOne({ _id: 't-2', status: 'open', priority: 5 });
    await tickets.insertOne({ _id: 't-3', status: 'closed', priority: 9 });

    const first = await tickets.updateOne({ _id: 't-4' }, { $set: { status: 'open', priority: 7 } }, { upsert: true });
    assert.equal(first.upsertedCount, 1);
    const second = await tickets.updateOne({ _id: 't-4' }, { $set: { status: 'open', priority: 7 } }, { upsert: true });
    assert.equal(second.upsertedCount, 0);
    assert.equal(second.matchedCount, 1);
    assert.equal(await tickets.countDocuments({ _id: 't-4' }), 1);

    const open = await tickets
      .find({ status: 'open', priority: { $gte: 3 } })
      .sort({ priority: -1 })
      .toArray();
    assert.deepEqual(
      open.map((t) => t._id),
      ['t-4', 't-2'],
    );
    assert.equal(await tickets.countDocuments({ status: 'open' }), 3);
    assert.equal(await tickets.countDocuments(), 4);
  });

  check('compound index, and a unique index rejects a duplicate with code 11000', async () => {
    assert.equal(
      await tickets.createIndex({ status: 1, priority: -1 }, { name: 'status_priority' }),
      'status_priority',
    );
    // sparse, because documents without the field would otherwise all collide on a null key.
    await tickets.createIndex({ externalRef: 1 }, { name: 'externalRef_unique', unique: true, sparse: true });
    const names = (await tickets.listIndexes().toArray()).map((i) => i.name as string);
    assert.ok(names.includes('status_priority') && names.includes('externalRef_unique'), names.join(','));

    await tickets.insertOne({ _id: 'u-1', status: 'open', externalRef: 'zendesk:1' });
    await assert.rejects(tickets.insertOne({ _id: 'u-2', status: 'open', externalRef: 'zendesk:1' }), isDuplicateKey);
    await assert.rejects(
      tickets.updateOne({ _id: 't-1' }, { $set: { externalRef: 'zendesk:1' } }),
      isDuplicateKey,
      'an update that collides is rejected too',
    );
    assert.equal(await tickets.countDocuments({ externalRef: 'zendesk:1' }), 1);
  });

  check('findOneAndUpdate upsert with $set, $setOnInsert, $push and $addToSet', async () => {
    const update = (status: string, at: Date, kind: string) =>
      tickets.findOneAndUpdate(
        { _id: 'f-1' },
        {
          $set: { status },
          $setOnInsert: { createdAt: at },
          $push: { events: { kind, at } },
          $addToSet: { tags: 'billing' },
        },
        { upsert: true, returnDocument: 'after' },
      );
    const created = await update('open', new Date('2026-01-01T00:00:00Z'), 'created');
    assert.ok(created);
    assert.equal(created.status, 'open');
    assert.deepEqual(created.tags, ['billing']);

    const updated = await update('pending', new Date('2026-01-02T00:00:00Z'), 'replied');
    assert.ok(updated);
    assert.equal(updated.status, 'pending');
    assert.deepEqual(updated.createdAt, new Date('2026-01-01T00:00:00Z'), '$setOnInsert applies only on insert');
    assert.deepEqual(
      updated.events?.map((e) => e.kind),
      ['created', 'replied'],
    );
    assert.deepEqual(updated.tags, ['billing'], '$addToSet does not repeat a member');
  });

  check('bulkWrite of upserts is idempotent', async () => {
    const ops = ['b-1', 'b-2', 'b-3'].map((id, i) => ({
      updateOne: {
        filter: { _id: id },
        update: {
          $set: { status: 'open', priority: i, customer: { id: `c-${i % 2}`, tier: i === 0 ? 'gold' : 'free' } },
        },
        upsert: true,
      },
    }));
    const first = await tickets.bulkWrite(ops, { ordered: false });
    assert.equal(first.upsertedCount, 3);
    const again = await tickets.bulkWrite(ops, { ordered: false });
    assert.equal(again.upsertedCount, 0);
    assert.equal(again.matchedCount, 3);
    assert.equal(await tickets.countDocuments({ _id: { $in: ['b-1', 'b-2', 'b-3'] } }), 3);
  });

  check('filters and sorts on nested fields and into arrays', async () => {
    const byCustomer = await tickets.find({ 'customer.id': 'c-0' }).sort({ 'customer.tier': 1, _id: 1 }).toArray();
    assert.deepEqual(
      byCustomer.map((t) => t._id),
      ['b-3', 'b-1'],
    );
    assert.equal(await tickets.countDocuments({ 'customer.tier': 'gold', status: 'open' }), 1);

    const replied = await tickets.find({ 'events.kind': 'replied' }, { projection: { _id: 1 } }).toArray();
    assert.deepEqual(replied, [{ _id: 'f-1' }]);
    const elem = await tickets.countDocuments({
      events: { $elemMatch: { kind: 'created', at: { $lt: new Date('2026-01-02T00:00:00Z') } } },
    });
    assert.equal(elem, 1);
  });
}
