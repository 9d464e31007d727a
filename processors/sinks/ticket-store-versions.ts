/**
 * Versions of the ticket store, for blue/green rebuilds (`ticketflow views rebuild ticket-store`). Version 1 is
 * the `tickets` collection and version n the `tickets_v<n>` collection; one pointer document names the version
 * the sink writes and tools read. A version's revisions start at (n - 1)·2³², above anything an older version
 * reached, so the views, which keep the highest revision they have seen of a ticket, accept the changes the new
 * version publishes after a switch.
 */
import type { Collection, Db } from 'mongodb';
import { TICKETS_COLLECTION, type StoredTicket } from './ticket-store.js';
import { VersionPointer } from './version-pointer.js';

export const VIEW_VERSIONS_COLLECTION = 'tf_view_versions';
const POINTER_ID = 'ticket-store';

interface PointerDocument {
  _id: string;
  version: number;
  switchedAt: number;
}

export const ticketsCollectionName = (version: number): string =>
  version === 1 ? TICKETS_COLLECTION : `${TICKETS_COLLECTION}_v${version}`;

export const revisionBase = (version: number): number => (version - 1) * 2 ** 32;

export function ticketsOfVersion(db: Db, version: number): Collection<StoredTicket> {
  return db.collection<StoredTicket>(ticketsCollectionName(version));
}

const pointers = (db: Db) => db.collection<PointerDocument>(VIEW_VERSIONS_COLLECTION);

/** The version in use: the pointer's, or 1 before any rebuild switched. */
export async function currentTicketStoreVersion(db: Db): Promise<number> {
  return (await pointers(db).findOne({ _id: POINTER_ID }))?.version ?? 1;
}

export async function setTicketStoreVersion(db: Db, version: number): Promise<void> {
  await pointers(db).replaceOne({ _id: POINTER_ID }, { version, switchedAt: Date.now() }, { upsert: true });
}

/** Every stored version, from the collections' names. */
export async function ticketStoreVersions(db: Db): Promise<number[]> {
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
  const versions = names.flatMap((name) => {
    if (name === TICKETS_COLLECTION) return [1];
    const match = new RegExp(`^${TICKETS_COLLECTION}_v(\\d+)$`).exec(name);
    return match ? [Number(match[1])] : [];
  });
  return versions.sort((a, b) => a - b);
}

/** The store's version, as the live sink follows it. */
export const ticketStorePointer = (db: Db, refreshMs?: number): VersionPointer =>
  new VersionPointer(() => currentTicketStoreVersion(db), refreshMs);
