/**
 * The ticket store as a versioned view: version n is a collection of its own, and the pointer document that the
 * live sink re-reads every second names the current one. The rebuilt version's sink publishes nothing: the
 * changelog stays the live store's until the switch, after which the live sink writes and publishes the new
 * version, whose revisions start above the old one's (ticket-store-versions.ts).
 */
import { createHash } from 'node:crypto';
import type { Db } from 'mongodb';
import type { Dependency } from '../../processors/runtime/dependency.js';
import { ticketStoreSink } from '../../processors/sinks/stages.js';
import { ensureTicketStoreIndexes } from '../../processors/sinks/ticket-store.js';
import {
  currentTicketStoreVersion,
  setTicketStoreVersion,
  ticketsCollectionName,
  ticketStoreVersions,
  ticketsOfVersion,
  VIEW_VERSIONS_COLLECTION,
} from '../../processors/sinks/ticket-store-versions.js';
import type { VersionedView, ViewChecksum } from './view.js';

/** Fields a rebuild may legitimately write differently: the write's id and the revision count. */
const VOLATILE = new Set(['writeId', 'revision']);

/** JSON with keys sorted at every level, so two equal documents serialise alike whatever their field order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** XOR of the documents' hashes: independent of the order they are read in. */
function xorInto(acc: Buffer, hash: Buffer): void {
  for (let i = 0; i < acc.length; i++) acc[i]! ^= hash[i]!;
}

export function ticketStoreView(db: Db, mongo: Dependency): VersionedView {
  return {
    name: 'ticket-store',
    pointer: `the pointer in ${VIEW_VERSIONS_COLLECTION}`,
    followWithinMs: 2000,
    current: () => currentTicketStoreVersion(db),
    versions: () => ticketStoreVersions(db),
    location: ticketsCollectionName,
    create: (version) => ensureTicketStoreIndexes(ticketsOfVersion(db, version)),
    sink: (version) => ticketStoreSink(db, mongo, { rebuildVersion: version }),
    async checksum(version) {
      const sums = new Map<string, { count: number; digest: Buffer }>();
      for await (const doc of ticketsOfVersion(db, version).find({})) {
        const content = Object.fromEntries(Object.entries(doc).filter(([key]) => !VOLATILE.has(key)));
        const hash = createHash('sha1').update(canonical(content)).digest();
        const sum = sums.get(doc.orgId) ?? { count: 0, digest: Buffer.alloc(hash.length) };
        sum.count += 1;
        xorInto(sum.digest, hash);
        sums.set(doc.orgId, sum);
      }
      return new Map(
        [...sums].map(([org, { count, digest }]) => [org, { count, digest: digest.toString('hex') }]),
      ) satisfies ViewChecksum;
    },
    switchTo: (version) => setTicketStoreVersion(db, version),
    async drop(version) {
      await ticketsOfVersion(db, version)
        .drop()
        .catch((error: unknown) => {
          if ((error as { codeName?: string }).codeName !== 'NamespaceNotFound') throw error;
        });
    },
  };
}
