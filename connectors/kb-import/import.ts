/**
 * An org's knowledge base from disk into the chunk index: read, convert, chunk, write in batches, and
 * optionally remove documents the source no longer has. Straight to Elasticsearch for now; once the chunk
 * stage and the kb-index sink run, the same documents go to the knowledge topics instead.
 */
import type { Client } from '@elastic/elasticsearch';
import type { KnowledgeDocument } from '../../schemas/index.js';
import { chunkDocument, DEFAULT_CHUNK_OPTIONS, type ChunkOptions } from '../../processors/chunk/cut.js';
import { toKnowledgeDocument } from './documents.js';
import { ensureChunkIndex, listDocumentIds, readStoredDocuments, writeDocuments } from './es-index.js';
import { readSources } from './sources.js';

export interface ImportOptions {
  orgId: string;
  index: string;
  /** Language of documents that do not name theirs. */
  defaultLanguage?: string;
  /** Delete the org's indexed documents that are not in this import. */
  prune?: boolean;
  /** Documents per bulk request. */
  batchSize?: number;
  chunkOptions?: ChunkOptions;
  now?: () => number;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportProgress {
  documents: number;
  totalDocuments: number;
  chunks: number;
}

export interface ImportSummary {
  /** Documents written (not counting stale ones). */
  documents: number;
  chunks: number;
  /** Documents skipped because the index holds a newer version. */
  stale: string[];
  /** Chunks of previous versions removed because the new version is shorter. */
  surplusChunksDeleted: number;
  /** Documents removed because the source no longer has them (with `prune`). */
  pruned: string[];
}

export async function importPath(client: Client, target: string, options: ImportOptions): Promise<ImportSummary> {
  const now = (options.now ?? Date.now)();
  const sources = await readSources(target);
  const documents = sources.map((source) =>
    toKnowledgeDocument(options.orgId, source, { defaultLanguage: options.defaultLanguage ?? 'en', now }),
  );
  return importDocuments(client, documents, options);
}

export async function importDocuments(
  client: Client,
  documents: readonly KnowledgeDocument[],
  options: ImportOptions,
): Promise<ImportSummary> {
  const { orgId, index } = options;
  const foreign = documents.find((d) => d.meta.orgId !== orgId);
  if (foreign) throw new Error(`document ${foreign.documentId} belongs to ${foreign.meta.orgId}, not ${orgId}`);
  await ensureChunkIndex(client, index);

  const summary: ImportSummary = { documents: 0, chunks: 0, stale: [], surplusChunksDeleted: 0, pruned: [] };
  const batchSize = options.batchSize ?? 100;
  for (let start = 0; start < documents.length; start += batchSize) {
    const batch = documents.slice(start, start + batchSize).map((doc) => ({
      documentId: doc.documentId,
      version: doc.version,
      chunks: doc.deleted ? [] : chunkDocument(doc, options.chunkOptions ?? DEFAULT_CHUNK_OPTIONS),
    }));
    for (const result of await writeDocuments(client, index, orgId, batch)) {
      if (!result.applied) {
        summary.stale.push(result.documentId);
        continue;
      }
      summary.documents++;
      summary.chunks += result.indexed;
      summary.surplusChunksDeleted += result.deleted;
    }
    options.onProgress?.({
      documents: Math.min(start + batchSize, documents.length),
      totalDocuments: documents.length,
      chunks: summary.chunks,
    });
  }
  // Searches and the aggregation behind pruning see only refreshed writes.
  await client.indices.refresh({ index });
  if (options.prune) {
    summary.pruned = await pruneMissing(client, index, orgId, new Set(documents.map((d) => d.documentId)));
  }
  return summary;
}

async function pruneMissing(client: Client, index: string, orgId: string, keep: ReadonlySet<string>) {
  const missing = (await listDocumentIds(client, index, orgId)).filter((id) => !keep.has(id));
  if (missing.length === 0) return [];
  const stored = await readStoredDocuments(client, index, orgId, missing);
  const removals = missing.map((documentId) => ({
    documentId,
    // Deleting at the stored version keeps the tombstone no newer than the document it removes.
    version: stored.get(documentId)?.version ?? 0,
    chunks: [],
  }));
  await writeDocuments(client, index, orgId, removals, { refresh: true });
  return missing;
}
