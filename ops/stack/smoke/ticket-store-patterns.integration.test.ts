/**
 * The only operations the ticket-store sink uses, per Kafka batch, on each Mongo-wire server that is running:
 * (a) find({_id: {$in: ids}}); (b) one unordered bulkWrite of compare-and-set updateOne({_id, revision}) served by a
 * unique index {_id: 1, revision: 1}; (c) an unordered insertMany of new tickets, where an id that already exists is
 * refused with code 11000 and the others are stored. Documents are real tickets, folded from the fixture events.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MongoBulkWriteError, MongoClient, type Collection } from 'mongodb';
import { loadConfig } from '../../../config/index.js';
import type { TicketEvent } from '../../../processors/sinks/events.js';
import { foldTicket, type TicketDocument } from '../../../processors/sinks/ticket-document.js';
import { sampleEvents } from '../../../schemas/fixtures.js';
import { mongoWireServers, type MongoWireServer } from './mongo-wire-servers.js';

const config = loadConfig();
const servers = await mongoWireServers(config);

/** A routed ticket, about 3 KB, under an id of the test's own. */
function routedTicket(n: number): TicketDocument {
  const chain = [
    sampleEvents.InteractionReceived,
    sampleEvents.InteractionEnriched,
    sampleEvents.InteractionClassified,
    sampleEvents.InteractionGrounded,
    sampleEvents.ResponseDrafted,
    sampleEvents.RoutingDecided,
  ] as TicketEvent[];
  let ticket: TicketDocument | null = null;
  for (const event of chain) ticket = foldTicket(ticket, event);
  return { ...ticket!, _id: `it-patterns:T-${n}`, ticketId: `T-${n}`, revision: 1 };
}

for (const server of servers) {
  describe(`ticket-store access patterns on ${server.name}`, { skip: server.skip }, () => patternTests(server));
}

function patternTests(server: MongoWireServer): void {
  const client = new MongoClient(server.url, { serverSelectionTimeoutMS: 5000, appName: 'ticketflow-it-patterns' });
  let tickets: Collection<TicketDocument>;
  const stored = Array.from({ length: 20 }, (_, i) => routedTicket(i));

  before(async () => {
    tickets = client
      .db(config.mongo.database)
      .collection<TicketDocument>(`it_patterns_${randomUUID().replaceAll('-', '')}`);
    await tickets.createIndex({ _id: 1, revision: 1 }, { unique: true, name: 'id_revision' });
    await tickets.insertMany(stored, { ordered: false });
  });

  after(async () => {
    try {
      await tickets?.drop().catch(() => undefined);
    } finally {
      await client.close();
    }
  });

  test('(a) find by a list of ids returns exactly the stored ones, documents intact', async () => {
    const wanted = [stored[3]!._id, stored[17]!._id, 'it-patterns:T-missing', stored[0]!._id];
    const found = await tickets.find({ _id: { $in: wanted } }).toArray();
    assert.deepEqual(found.map((t) => t._id).sort(), [stored[0]!._id, stored[17]!._id, stored[3]!._id].sort());
    assert.deepEqual(
      found.find((t) => t._id === stored[3]!._id),
      stored[3],
      'a 3 KB ticket with nested nulls and arrays reads back as written',
    );
  });

  test('(b) an unordered bulk of compare-and-set updates applies the current revisions and misses a stale one', async () => {
    // Fewer statements than FerretDB's PostgreSQL pool (50): it holds a connection per statement until the command ends.
    const fresh = stored.slice(5, 15);
    const stale = stored[15]!;
    await tickets.updateOne({ _id: stale._id }, { $set: { revision: 2 } });
    const ops = [...fresh, stale].map((t) => ({
      updateOne: {
        filter: { _id: t._id, revision: 1 },
        update: { $set: { status: 'resolved' as const, assignee: 'agent-7', revision: 2 } },
      },
    }));
    const result = await tickets.bulkWrite(ops, { ordered: false });
    assert.equal(result.matchedCount, fresh.length, 'the stale revision matched nothing');
    assert.equal(result.modifiedCount, fresh.length);
    const after = await tickets.find({ _id: { $in: [...fresh, stale].map((t) => t._id) } }).toArray();
    for (const t of after) {
      const expected =
        t._id === stale._id ? { status: stale.status, revision: 2 } : { status: 'resolved', revision: 2 };
      assert.deepEqual({ status: t.status, revision: t.revision }, expected, t._id);
    }
    const untouched = after.find((t) => t._id === fresh[0]!._id)!;
    assert.deepEqual(untouched.routing, fresh[0]!.routing, '$set leaves the other fields as they were');
  });

  test('(c) an unordered insertMany refuses an existing id with 11000 and stores the others', async () => {
    const fresh = [routedTicket(100), routedTicket(101)];
    const error = await tickets.insertMany([fresh[0]!, stored[1]!, fresh[1]!], { ordered: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof MongoBulkWriteError, `a bulk write error, got ${String(error)}`);
    assert.deepEqual(
      [error.writeErrors].flat().map((e) => [e.index, e.code]),
      [[1, 11000]],
    );
    assert.equal(await tickets.countDocuments({ _id: { $in: fresh.map((t) => t._id) } }), 2);
  });
}
