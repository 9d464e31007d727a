/**
 * What an import must produce: the documents of the source compared with what the documents topic says is
 * current for the org. Pure, so every rule is unit-tested without Kafka.
 *
 * - Compared by a hash of the content readers see (title, body, language, tags, source): a document whose file
 *   was only touched, or re-exported unchanged, produces nothing.
 * - A changed document gets a version above the current one: its source's version when the source gives one
 *   (front matter, JSON `version`), and a given version not above the current one is reported stale and left
 *   out; otherwise the file's modification time, raised to the current version + 1 when the clock or a copy
 *   put it behind, so a change is never lost to a version consumers would ignore as old.
 * - With `prune`, a current document the source no longer has is deleted at its version + 1.
 */
import { createHash } from 'node:crypto';
import type { KnowledgeDocument } from '../../schemas/index.js';
import { withVersion } from './documents.js';

/** What the documents topic holds for one document id of the org. */
export type CurrentDocument =
  | { readonly state: 'live'; readonly document: KnowledgeDocument; readonly contentHash: string }
  /** Deleted: a record with `deleted`, or a tombstone (whose version is null when it carried none). */
  | { readonly state: 'deleted'; readonly version: number | null };

export interface IncomingDocument {
  readonly document: KnowledgeDocument;
  /** True when the source named the version; false when it comes from the file's modification time. */
  readonly versionGiven: boolean;
}

export interface StaleDocument {
  readonly documentId: string;
  readonly version: number;
  readonly currentVersion: number;
}

export interface ImportPlan {
  /** New documents, or documents deleted earlier and back again. */
  readonly added: readonly KnowledgeDocument[];
  readonly changed: readonly KnowledgeDocument[];
  readonly unchanged: readonly string[];
  /** Changed, but the source gave a version not above the current one: left out. */
  readonly stale: readonly StaleDocument[];
  /** Deletion records, with `prune`, of current documents the source no longer has. */
  readonly removed: readonly KnowledgeDocument[];
  /** The org's documents as the topic holds them once the plan is produced. */
  readonly live: readonly KnowledgeDocument[];
}

/** A hash of what readers of a document see; its version, times and envelope are not content. */
export function contentHash(doc: KnowledgeDocument): string {
  const content = [doc.title, doc.language, doc.body, doc.tags, doc.source.kind, doc.source.uri];
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

export function currentOf(document: KnowledgeDocument): CurrentDocument {
  return document.deleted
    ? { state: 'deleted', version: document.version }
    : { state: 'live', document, contentHash: contentHash(document) };
}

function versionFor(incoming: IncomingDocument, currentVersion: number | null): number | null {
  const { version } = incoming.document;
  if (currentVersion === null) return version;
  if (incoming.versionGiven) return version > currentVersion ? version : null;
  return Math.max(version, currentVersion + 1);
}

export function planImport(
  incoming: readonly IncomingDocument[],
  current: ReadonlyMap<string, CurrentDocument>,
  options: { prune: boolean; now: number },
): ImportPlan {
  const added: KnowledgeDocument[] = [];
  const changed: KnowledgeDocument[] = [];
  const unchanged: string[] = [];
  const stale: StaleDocument[] = [];
  const live: KnowledgeDocument[] = [];
  for (const item of incoming) {
    const { document } = item;
    const now = current.get(document.documentId);
    if (now?.state === 'live' && now.contentHash === contentHash(document)) {
      unchanged.push(document.documentId);
      live.push(now.document);
      continue;
    }
    const currentVersion = now === undefined ? null : now.state === 'live' ? now.document.version : now.version;
    const version = versionFor(item, currentVersion);
    if (version === null) {
      stale.push({ documentId: document.documentId, version: document.version, currentVersion: currentVersion! });
      if (now?.state === 'live') live.push(now.document);
      continue;
    }
    const next = version === document.version ? document : withVersion(document, version);
    (now?.state === 'live' ? changed : added).push(next);
    live.push(next);
  }

  const removed: KnowledgeDocument[] = [];
  if (options.prune) {
    const kept = new Set(incoming.map((i) => i.document.documentId));
    for (const [documentId, now] of current) {
      if (now.state !== 'live' || kept.has(documentId)) continue;
      const gone = withVersion(now.document, now.document.version + 1);
      removed.push({
        ...gone,
        meta: { ...gone.meta, occurredAt: options.now },
        updatedAt: options.now,
        deleted: true,
        body: '',
      });
    }
  }
  return { added, changed, unchanged, stale, removed, live };
}
