/**
 * The chunk stage: each version of a knowledge-base document, cut into passages (cut.ts), as KnowledgeChunk
 * records on the compacted chunks topic, keyed `<orgId>:<documentId>#<index>`. A new version overwrites its
 * chunks under the same keys and deletes the old version's surplus ones; a deleted document (a record with
 * `deleted`, or its tombstone) deletes them all. A deletion is a record with `deleted` (for readers that act on
 * events) followed by a tombstone carrying the version (so compaction drops the key).
 *
 * Which chunks are live comes from the stage's table of its own topic (live-chunks.ts), read up to its end
 * before each batch. A version older than the one the table holds arrived late and changes nothing; the same
 * version again (a redelivery, or a replay after the cutting changed) is cut again and written again, which the
 * index applies idempotently.
 */
import type { EventMeta, KnowledgeChunk, KnowledgeDocument } from '../../schemas/index.js';
import { chunkIdOf } from '../retrieve/chunk-index.js';
import { passageEmbeddingText, type Embedder } from '../retrieve/embeddings/embedder.js';
import { encodePassageEmbedding } from '../retrieve/embeddings/passage-embedding.js';
import {
  failed,
  isTombstone,
  ItemFailure,
  tombstone,
  type BatchStage,
  type ItemResult,
  type Tombstone,
} from '../runtime/stage.js';
import { chunkDocument, DEFAULT_CHUNK_OPTIONS, type ChunkOptions } from './cut.js';
import type { LiveDocument } from './live-chunks.js';

export const CHUNK_STAGE = { name: 'chunk', version: '1.1.0' } as const;

export type DocumentInput = KnowledgeDocument | Tombstone;
export type ChunkOutput = KnowledgeChunk | Tombstone;

/** What the stage needs of its table: a read barrier, then what is live and what it made live. */
export interface ChunkTable {
  /** Resolves once the chunks topic has been read up to where it ended when called. */
  catchUp(): Promise<void>;
  live(orgId: string, documentId: string): LiveDocument;
  emitted(orgId: string, documentId: string, version: number, liveIndexes: readonly number[]): void;
}

export interface ChunkedVersion {
  readonly documentId: string;
  readonly version: number;
  readonly outputs: readonly ChunkOutput[];
  /** Chunk indexes the outputs leave live. */
  readonly live: readonly number[];
}

/**
 * The outputs of one document version, given what is live: its chunks, then a deletion for each live chunk
 * beyond them. Null for a version older than the live one. Pure: the same input and table give the same outputs
 * under the same ids.
 */
export function chunkVersion(
  input: DocumentInput,
  live: LiveDocument,
  derive: (index: number) => EventMeta,
  options: ChunkOptions = DEFAULT_CHUNK_OPTIONS,
): ChunkedVersion | null {
  const documentId = isTombstone(input) ? input.entityId : input.documentId;
  // A tombstone deletes whatever version is live; one written with its version is refused against a newer one.
  const version = isTombstone(input) ? (input.version ?? live.version ?? 0) : input.version;
  if (live.version !== null && version < live.version) return null;

  const fields = isTombstone(input) || input.deleted ? [] : chunkDocument(input, options);
  const chunks = fields.map((f, i): KnowledgeChunk => ({ meta: derive(i), ...f, deleted: false, embedding: null }));
  const surplus = live.indexes.filter((index) => index >= chunks.length);
  const deletions = surplus.flatMap((chunkIndex, k): ChunkOutput[] => {
    const chunkId = chunkIdOf(documentId, chunkIndex);
    const deleted: KnowledgeChunk = {
      meta: derive(chunks.length + 2 * k),
      chunkId,
      documentId,
      documentVersion: version,
      chunkIndex,
      chunkCount: chunks.length,
      updatedAt: isTombstone(input) ? input.meta.occurredAt : input.updatedAt,
      deleted: true,
      // A document's tombstone has lost its title and language; the deletion needs neither.
      title: isTombstone(input) ? '' : input.title,
      section: null,
      text: '',
      language: isTombstone(input) ? '' : input.language,
      sourceUri: isTombstone(input) ? null : input.source.uri,
      tags: [],
      embedding: null,
    };
    return [deleted, tombstone(derive(chunks.length + 2 * k + 1), chunkId, version)];
  });
  return { documentId, version, outputs: [...chunks, ...deletions], live: chunks.map((c) => c.chunkIndex) };
}

/**
 * Embeds the live passages among the outputs in place, in one call for the whole batch: the only place passages
 * meet the model, so each passage version is embedded once and every reader of the chunks topic gets the vector
 * with the passage. Rejects when the model fails (the batch is retried, then dead-lettered).
 */
export async function embedPassages(embedder: Embedder, outputs: readonly ChunkOutput[]): Promise<void> {
  const passages = outputs.filter((o): o is KnowledgeChunk => !isTombstone(o) && !o.deleted);
  if (passages.length === 0) return;
  const vectors = await embedder.embedPassages(passages.map(passageEmbeddingText));
  passages.forEach((p, i) => (p.embedding = encodePassageEmbedding(embedder.modelId, vectors[i]!)));
}

/** A document of an org that got a new version or was removed. */
export interface DocumentChange {
  readonly orgId: string;
  readonly documentId: string;
}

export function chunkStage(deps: {
  readonly table: ChunkTable;
  readonly options?: ChunkOptions;
  /** Computes each emitted passage's embedding; without one, passages travel without (found lexically only). */
  readonly embedder?: Embedder;
  /**
   * Told of the batch's changed and removed documents before its outputs are written (the answer cache drops the
   * answers citing them). It must not reject: what it does is not the batch's to retry.
   */
  readonly onDocumentsChanged?: (changes: readonly DocumentChange[]) => Promise<void>;
}): BatchStage<DocumentInput, ChunkOutput> {
  return {
    ...CHUNK_STAGE,
    consumes: ['KnowledgeDocument'],
    emits: 'KnowledgeChunk',
    readsTombstones: true,
    async handleBatch(items) {
      await deps.table.catchUp();
      const results = cutBatch(deps, items);
      if (deps.embedder) {
        const outputs = results.flatMap((r) => (r instanceof ItemFailure ? [] : r));
        try {
          await embedPassages(deps.embedder, outputs);
        } catch (error) {
          return results.map((r) => (r instanceof ItemFailure || r.length === 0 ? r : failed(error)));
        }
      }
      await deps.onDocumentsChanged?.(changedDocuments(items, results));
      return results;
    },
  };
}

/** The documents whose items produced outputs: a new version's chunks, or deletions. */
function changedDocuments(
  items: Parameters<BatchStage<DocumentInput, ChunkOutput>['handleBatch']>[0],
  results: readonly ItemResult<ChunkOutput>[],
): DocumentChange[] {
  const changes = new Map<string, DocumentChange>();
  items.forEach(({ event }, i) => {
    const result = results[i];
    if (!result || result instanceof ItemFailure || result.length === 0) return;
    const documentId = isTombstone(event) ? event.entityId : event.documentId;
    changes.set(`${event.meta.orgId}\u0000${documentId}`, { orgId: event.meta.orgId, documentId });
  });
  return [...changes.values()];
}

function cutBatch(
  deps: { readonly table: ChunkTable; readonly options?: ChunkOptions },
  items: Parameters<BatchStage<DocumentInput, ChunkOutput>['handleBatch']>[0],
): ItemResult<ChunkOutput>[] {
  return items.map(({ event, context }): ItemResult<ChunkOutput> => {
    try {
      const { orgId } = event.meta;
      const documentId = isTombstone(event) ? event.entityId : event.documentId;
      const live = deps.table.live(orgId, documentId);
      const result = chunkVersion(event, live, (i) => context.derive(i), deps.options);
      if (!result) {
        context.debug({ documentId, liveVersion: live.version }, 'older document version ignored');
        return [];
      }
      deps.table.emitted(orgId, documentId, result.version, result.live);
      return result.outputs;
    } catch (error) {
      return failed(error);
    }
  });
}
