/**
 * Materialises tickets into the `tickets` collection, one document per ticket under `<org>:<ticket>`, a batch
 * at a time: one query loads the batch's tickets (those not in the cache), each ticket's events are folded in
 * memory, and one unordered bulk writes them, each write carrying only the fields that changed.
 *
 * Writes are compare-and-set on `revision`, so two writers of one ticket (two instances during a rebalance, a
 * replay beside the live group) never lose an update: the loser reloads the ticket and folds again. The filter
 * `{_id, revision}` is served by the unique index `{_id: 1, revision: 1}`: the local Mongo-wire server uses an
 * index only when a query names exactly its keys, and real MongoDB finds the document by `_id` either way.
 * A bulk reports how many updates matched, not which; when fewer matched than were sent, the tickets are read
 * back and the ones that do not carry this write's `writeId` are the ones that lost.
 */
import { randomUUID } from 'node:crypto';
import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Db } from 'mongodb';
import { ticketKey, type TicketEvent } from './events.js';
import { sameData } from './same-data.js';
import { foldTicket, type TicketDocument } from './ticket-document.js';
import type { TicketStatus } from './ticket-facts.js';

export const TICKETS_COLLECTION = 'tickets';
/** Rounds of reload-and-fold a ticket gets when other writers keep winning, before its events are retried later. */
const MAX_CONFLICT_ROUNDS = 10;

/** A stored ticket: the document plus the id of the write that stored it. */
export type StoredTicket = TicketDocument & { writeId?: string };

/** Version 1 of the store; tools that must follow rebuilds use ticket-store-versions.ts. */
export function ticketsCollection(db: Db): Collection<StoredTicket> {
  return db.collection<StoredTicket>(TICKETS_COLLECTION);
}

/**
 * `{_id, revision}` makes compare-and-set an index lookup on the Mongo-wire server. The other two serve reads
 * by org (accepted without being built there, which only costs speed; the query API reads views instead).
 */
export async function ensureTicketStoreIndexes(tickets: Collection<StoredTicket>): Promise<void> {
  await tickets.createIndex({ _id: 1, revision: 1 }, { name: 'id_revision', unique: true });
  await tickets.createIndex({ orgId: 1, status: 1, updatedAt: -1 }, { name: 'org_status_updated' });
  await tickets.createIndex({ orgId: 1, queue: 1 }, { name: 'org_queue' });
}

/** What a batch did to one ticket. */
export interface TicketOutcome {
  /** The ticket as stored now, with every event of the batch applied. */
  readonly ticket: TicketDocument;
  /** False when the events changed nothing (all applied before, or older than what is stored). */
  readonly changed: boolean;
}

export class TicketWriteError extends Error {
  override name = 'TicketWriteError';
  constructor(
    readonly ticketId: string,
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/**
 * Recently stored tickets, newest last, so a batch finds most of its tickets without a query. Only a hint: a
 * cached ticket someone else changed since fails its compare-and-set and is reloaded.
 */
export class TicketCache {
  private readonly tickets = new Map<string, TicketDocument>();

  constructor(readonly capacity: number) {}

  get(id: string): TicketDocument | undefined {
    return this.tickets.get(id);
  }

  set(ticket: TicketDocument): void {
    this.tickets.delete(ticket._id);
    this.tickets.set(ticket._id, ticket);
    if (this.tickets.size > this.capacity) this.tickets.delete(this.tickets.keys().next().value!);
  }

  delete(id: string): void {
    this.tickets.delete(id);
  }

  clear(): void {
    this.tickets.clear();
  }
}

/**
 * Applies a batch of events, in order per ticket. Returns each ticket's outcome, or a `TicketWriteError` for a
 * ticket that could not be written (the store refused its document, or other writers kept winning).
 */
export async function applyTicketEvents(
  tickets: Collection<StoredTicket>,
  events: readonly TicketEvent[],
  cache?: TicketCache,
  options: { revisionBase?: number } = {},
): Promise<Map<string, TicketOutcome | TicketWriteError>> {
  const base = options.revisionBase ?? 0;
  const byTicket = new Map<string, TicketEvent[]>();
  for (const event of events) {
    const id = ticketKey(event.meta.orgId, event.meta.ticketId);
    const list = byTicket.get(id);
    if (list) list.push(event);
    else byTicket.set(id, [event]);
  }
  const results = new Map<string, TicketOutcome | TicketWriteError>();
  let todo = [...byTicket.keys()];
  let stored = await load(tickets, todo, cache);
  for (let round = 1; todo.length > 0; round++) {
    const writes: Array<{ id: string; before: StoredTicket | null; after: TicketDocument }> = [];
    for (const id of todo) {
      const before = stored.get(id) ?? null;
      let after = byTicket.get(id)!.reduce<TicketDocument | null>((doc, e) => foldTicket(doc, e), before)!;
      if (after === before) {
        results.set(id, { ticket: before, changed: false });
        continue;
      }
      if (!before && base > 0) after = { ...after, revision: after.revision + base };
      writes.push({ id, before, after });
    }
    const lost = await write(tickets, writes, results, cache);
    if (lost.length === 0) break;
    if (round >= MAX_CONFLICT_ROUNDS) {
      for (const id of lost) {
        results.set(id, new TicketWriteError(id, `other writers changed ${id} ${round} times in a row`, false));
      }
      break;
    }
    for (const id of lost) cache?.delete(id);
    todo = lost;
    stored = await load(tickets, todo);
  }
  return results;
}

async function load(tickets: Collection<StoredTicket>, ids: readonly string[], cache?: TicketCache) {
  const found = new Map<string, StoredTicket>();
  const missing: string[] = [];
  for (const id of ids) {
    const cached = cache?.get(id);
    if (cached) found.set(id, cached);
    else missing.push(id);
  }
  if (missing.length > 0) {
    for (const doc of await tickets.find({ _id: { $in: missing } }).toArray()) found.set(doc._id, doc);
  }
  return found;
}

/** Writes the changed tickets in one unordered bulk; returns the ids whose compare-and-set lost. */
async function write(
  tickets: Collection<StoredTicket>,
  writes: ReadonlyArray<{ id: string; before: StoredTicket | null; after: TicketDocument }>,
  results: Map<string, TicketOutcome | TicketWriteError>,
  cache?: TicketCache,
): Promise<string[]> {
  if (writes.length === 0) return [];
  const writeId = randomUUID();
  const operations: AnyBulkWriteOperation<StoredTicket>[] = writes.map(({ before, after }) =>
    before
      ? {
          updateOne: { filter: { _id: after._id, revision: before.revision }, update: changes(before, after, writeId) },
        }
      : { insertOne: { document: { ...after, writeId } } },
  );
  const { matched, failedAt } = await bulkWrite(tickets, operations);
  // Inserts that hit an existing _id lost a race to create the ticket; every other refusal is about the document.
  const lost: string[] = [];
  writes.forEach(({ id }, i) => {
    const failure = failedAt.get(i);
    if (!failure) return;
    if (failure.code === 11000) lost.push(id);
    else results.set(id, new TicketWriteError(id, `the store refused ${id}: ${failure.message}`, true));
  });
  const updated = writes.filter((w, i) => w.before && !failedAt.has(i));
  const verified =
    matched < updated.length
      ? await load(
          tickets,
          updated.map((w) => w.id),
        )
      : null;
  writes.forEach(({ id, before, after }, i) => {
    if (failedAt.has(i)) return;
    if (before && verified && verified.get(id)?.writeId !== writeId) {
      lost.push(id);
      return;
    }
    cache?.set({ ...after, writeId } as TicketDocument);
    results.set(id, { ticket: after, changed: true });
  });
  return lost;
}

type Failures = Map<number, { code: unknown; message: string }>;

/**
 * Statements per bulk write command. FerretDB 1.24 holds one PostgreSQL connection for each update statement until
 * the whole command ends, from a pool of 50: a command of 50 updates never returns and stalls the server for every
 * client. Twenty leaves room for a second writer and the readers; the other servers take the same commands.
 */
export const MAX_STATEMENTS_PER_WRITE = 20;

/** One unordered bulk, sent as commands of at most `MAX_STATEMENTS_PER_WRITE` statements, one after another. */
async function bulkWrite(
  tickets: Collection<StoredTicket>,
  operations: AnyBulkWriteOperation<StoredTicket>[],
): Promise<{ matched: number; failedAt: Failures }> {
  let matched = 0;
  const failedAt: Failures = new Map();
  for (let start = 0; start < operations.length; start += MAX_STATEMENTS_PER_WRITE) {
    const part = await writeCommand(tickets, operations.slice(start, start + MAX_STATEMENTS_PER_WRITE));
    matched += part.matched;
    for (const [i, failure] of part.failedAt) failedAt.set(start + i, failure);
  }
  return { matched, failedAt };
}

/**
 * One unordered bulk write command. The store reports refused documents per operation; a document the driver itself
 * refuses (over the 16 MB limit, say) fails the whole call instead, so then each operation is written alone to find
 * it.
 */
async function writeCommand(
  tickets: Collection<StoredTicket>,
  operations: AnyBulkWriteOperation<StoredTicket>[],
): Promise<{ matched: number; failedAt: Failures }> {
  const failedAt: Failures = new Map();
  try {
    return { matched: (await tickets.bulkWrite(operations, { ordered: false })).matchedCount, failedAt };
  } catch (error) {
    if (error instanceof MongoBulkWriteError) {
      for (const e of [error.writeErrors].flat()) failedAt.set(e.index, { code: e.code, message: e.errmsg ?? '' });
      return { matched: error.result.matchedCount, failedAt };
    }
    if (operations.length === 1 || !isRefusal(error)) throw error;
  }
  let matched = 0;
  for (const [i, operation] of operations.entries()) {
    try {
      matched += (await tickets.bulkWrite([operation])).matchedCount;
    } catch (error) {
      if (error instanceof MongoBulkWriteError) {
        const [first] = [error.writeErrors].flat();
        failedAt.set(i, { code: first?.code, message: first?.errmsg ?? error.message });
      } else if (isRefusal(error)) failedAt.set(i, { code: null, message: (error as Error).message });
      else throw error;
    }
  }
  return { matched, failedAt };
}

/** An error about the request itself, which writing it again would meet again. */
function isRefusal(error: unknown): boolean {
  const name = (error as { name?: string }).name ?? '';
  // The BSON serializer runs out of its buffer (a RangeError) on a document past the limit.
  return (
    ['BSONError', 'MongoInvalidArgumentError', 'RangeError'].includes(name) || /too large|exceeds/i.test(String(error))
  );
}

/** `$set` of the top-level fields (and `writtenAt` entries) that differ, the new revision and the write's id. */
function changes(before: StoredTicket, after: TicketDocument, writeId: string) {
  const set: Record<string, unknown> = { writeId };
  for (const [field, value] of Object.entries(after)) {
    if (field === '_id' || field === 'writtenAt') continue;
    if (!sameData(value, (before as unknown as Record<string, unknown>)[field])) set[field] = value;
  }
  for (const [field, order] of Object.entries(after.writtenAt)) {
    if (before.writtenAt?.[field] !== order) set[`writtenAt.${field}`] = order;
  }
  // Tickets stored before duplicates were recognised by content carry a list of every event id; it goes.
  return 'appliedEventIds' in before ? { $set: set, $unset: { appliedEventIds: '' as const } } : { $set: set };
}

/** Tickets of one org; every read goes through an org filter so one tenant never sees another's tickets. */
export function findTickets(db: Db, orgId: string, filter: { status?: TicketStatus; queue?: string } = {}) {
  return ticketsCollection(db)
    .find({ orgId, ...filter })
    .sort({ updatedAt: -1 })
    .toArray();
}
