/**
 * Which chunks of each document are live on the chunks topic: the chunk stage's state. A new version of a
 * document must delete the chunks of the old one beyond its own count, and only the topic knows how many the
 * old one had: the document topic is compacted, so the previous version may already be gone from it.
 *
 * The table is what the chunks topic says (records and tombstones as read, the last per chunk winning), plus
 * what this process emitted since and has not read back yet. That second part only ever grows until the topic
 * shows the version that emitted it, so a version handled before its predecessor's outputs were produced (in
 * the same batch, or retried with it) still sees the predecessor's chunks: the table may over-count, which costs
 * a redundant deletion, and never under-counts, which would leave a chunk of an old version live for ever.
 */
import type { KnowledgeChunk } from '../../schemas/index.js';
import { parseChunkId } from '../retrieve/chunk-index.js';

export interface LiveDocument {
  /** Highest document version seen for it, or null when nothing is known. */
  readonly version: number | null;
  /** Chunk indexes that are (or may be) live, ascending. */
  readonly indexes: readonly number[];
}

interface Entry {
  version: number | null;
  indexes: Set<number>;
}

const keyOf = (orgId: string, documentId: string) => `${orgId}\u0000${documentId}`;
const maxVersion = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

export class LiveChunks {
  private readonly read = new Map<string, Entry>();
  private readonly unread = new Map<string, Entry & { version: number }>();

  /** A chunk record read from the topic. */
  applyChunk(chunk: KnowledgeChunk): void {
    const entry = this.entry(chunk.meta.orgId, chunk.documentId);
    entry.version = maxVersion(entry.version, chunk.documentVersion);
    if (chunk.deleted) entry.indexes.delete(chunk.chunkIndex);
    else entry.indexes.add(chunk.chunkIndex);
  }

  /** A tombstone read from the topic, under `<orgId>:<chunkId>`. False for a chunk id it cannot read. */
  applyTombstone(orgId: string, chunkId: string, version: number | null): boolean {
    const parsed = parseChunkId(chunkId);
    if (!parsed) return false;
    const entry = this.entry(orgId, parsed.documentId);
    entry.version = maxVersion(entry.version, version);
    entry.indexes.delete(parsed.chunkIndex);
    return true;
  }

  /**
   * What a handler emitted for a document version: the indexes it left live. Kept until the topic is read up to a
   * record of that version (`settle`).
   */
  emitted(orgId: string, documentId: string, version: number, liveIndexes: readonly number[]): void {
    const key = keyOf(orgId, documentId);
    const entry = this.unread.get(key) ?? { version, indexes: new Set<number>() };
    entry.version = Math.max(entry.version, version);
    for (const index of liveIndexes) entry.indexes.add(index);
    this.unread.set(key, entry);
  }

  /**
   * Called once the topic has been read to its end: what this process emitted and the topic now shows (a record
   * of the same version or newer) is the topic's to tell from now on.
   */
  settle(): void {
    for (const [key, emitted] of this.unread) {
      const read = this.read.get(key);
      if (read?.version !== null && read?.version !== undefined && read.version >= emitted.version) {
        this.unread.delete(key);
      }
    }
  }

  live(orgId: string, documentId: string): LiveDocument {
    const key = keyOf(orgId, documentId);
    const read = this.read.get(key);
    const unread = this.unread.get(key);
    const indexes = new Set([...(read?.indexes ?? []), ...(unread?.indexes ?? [])]);
    return {
      version: maxVersion(read?.version ?? null, unread?.version ?? null),
      indexes: [...indexes].sort((a, b) => a - b),
    };
  }

  /** Documents known, for logs and tests. */
  get size(): number {
    return this.read.size;
  }

  private entry(orgId: string, documentId: string): Entry {
    const key = keyOf(orgId, documentId);
    let entry = this.read.get(key);
    if (!entry) this.read.set(key, (entry = { version: null, indexes: new Set() }));
    return entry;
  }
}
