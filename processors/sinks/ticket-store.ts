/**
 * Materialises tickets into the `tickets` collection, one document per ticket under `<org>:<ticket>`.
 *
 * Each event is folded into the stored document by `foldTicket` and written back with a compare-and-set on
 * `revision`, guarded by `appliedEventIds: {$ne: eventId}` and recorded with `$addToSet`: a concurrent writer
 * makes the write miss and we re-read, and an event already applied is recognised either in the read or by the
 * guard. A read-fold-write, rather than one blind update, because out-of-order events need the stored
 * per-field orders to decide what wins, and the store has no transactions or pipeline updates to do that
 * server-side.
 */
import { MongoServerError, type Collection, type Db } from 'mongodb';
import { ticketKey, type TicketEvent } from './events.js';
import { foldTicket, type TicketDocument } from './ticket-document.js';
import type { TicketStatus } from './ticket-facts.js';

export const TICKETS_COLLECTION = 'tickets';
const MAX_ATTEMPTS = 20;

export type ApplyOutcome = 'applied' | 'duplicate';

export function ticketsCollection(db: Db): Collection<TicketDocument> {
  return db.collection<TicketDocument>(TICKETS_COLLECTION);
}

/**
 * The query API lists an org's tickets by status (newest first) and by queue. Both indexes are accepted by the
 * local Mongo-wire store without being built, which only costs speed there.
 */
export async function ensureTicketStoreIndexes(db: Db): Promise<void> {
  const tickets = ticketsCollection(db);
  await tickets.createIndex({ orgId: 1, status: 1, updatedAt: -1 }, { name: 'org_status_updated' });
  await tickets.createIndex({ orgId: 1, queue: 1 }, { name: 'org_queue' });
}

function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 11000;
}

export async function applyToTicketStore(db: Db, event: TicketEvent): Promise<ApplyOutcome> {
  return (await storeTicketEvent(db, event)).outcome;
}

/** Applies the event and returns the ticket as stored with it, sparing a caller that needs it another read. */
export async function storeTicketEvent(
  db: Db,
  event: TicketEvent,
): Promise<{ outcome: ApplyOutcome; ticket: TicketDocument }> {
  const tickets = ticketsCollection(db);
  const _id = ticketKey(event.meta.orgId, event.meta.ticketId);
  const { eventId } = event.meta;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await tickets.findOne({ _id });
    if (current?.appliedEventIds.includes(eventId)) return { outcome: 'duplicate', ticket: current };
    const next = foldTicket(current, event);
    if (!current) {
      try {
        await tickets.insertOne(next);
        return { outcome: 'applied', ticket: next };
      } catch (error) {
        // Another writer created the ticket first (maybe with this very event): re-read and fold again.
        if (isDuplicateKey(error)) continue;
        throw error;
      }
    }
    const { _id: _ignored, appliedEventIds: _applied, ...fields } = next;
    const result = await tickets.updateOne(
      { _id, revision: current.revision, appliedEventIds: { $ne: eventId } },
      { $set: fields, $addToSet: { appliedEventIds: eventId } },
    );
    // The compare-and-set on revision makes `next` exactly what is stored now.
    if (result.matchedCount === 1) return { outcome: 'applied', ticket: next };
  }
  throw new Error(`ticket ${_id}: gave up applying event ${eventId} after ${MAX_ATTEMPTS} concurrent conflicts`);
}

/** Tickets of one org; every read goes through an org filter so one tenant never sees another's tickets. */
export function findTickets(db: Db, orgId: string, filter: { status?: TicketStatus; queue?: string } = {}) {
  return ticketsCollection(db)
    .find({ orgId, ...filter })
    .sort({ updatedAt: -1 })
    .toArray();
}
