/**
 * Writes document versions' chunks to the chunk index. Each chunk is stored under `<org>:<chunkId>` with
 * the document version as Elasticsearch's external version (`external_gte`), so re-importing a version is a
 * harmless overwrite and an older version arriving late is refused by the index itself. When a new version
 * has fewer chunks, the surplus ids are computed from the chunk count the previous version stored (read in
 * real time, not searched) and deleted in the same bulk request: this build has no _delete_by_query.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import {
  chunkDocumentId,
  chunkIdOf,
  chunkIndexMappings,
  chunkIndexSettings,
  toChunkDocument,
  type ChunkDocument,
  type ChunkFields,
} from '../../processors/retrieve/chunk-index.js';

export interface DocumentChunks {
  documentId: string;
  version: number;
  /** The version's chunks, in order; empty when the document was deleted. */
  chunks: readonly ChunkFields[];
}

export interface DocumentWriteResult {
  documentId: string;
  /** False when the index already held a newer version; nothing was written then. */
  applied: boolean;
  indexed: number;
  /** Chunks of the previous version beyond the new version's count. */
  deleted: number;
}

/** Creates the index with its mapping unless it exists; safe when several importers start at once. */
export async function ensureChunkIndex(client: Client, index: string): Promise<void> {
  if (await client.indices.exists({ index })) return;
  try {
    await client.indices.create({ index, settings: chunkIndexSettings, mappings: chunkIndexMappings });
  } catch (error) {
    if (errorType(error) !== 'resource_already_exists_exception') throw error;
  }
}

function errorType(error: unknown): string | undefined {
  const body = (error as { meta?: { body?: { error?: { type?: string } } } }).meta?.body;
  return body?.error?.type;
}

export interface StoredDocument {
  version: number;
  chunkCount: number;
}

/** Version and chunk count of each document as the index holds them, from its first chunk. */
export async function readStoredDocuments(
  client: Client,
  index: string,
  orgId: string,
  documentIds: readonly string[],
): Promise<Map<string, StoredDocument>> {
  if (documentIds.length === 0) return new Map();
  const response = await client.mget<Pick<ChunkDocument, 'document_version' | 'chunk_count'>>({
    index,
    ids: documentIds.map((id) => chunkDocumentId(orgId, chunkIdOf(id, 0))),
    _source_includes: ['document_version', 'chunk_count'],
    realtime: true,
  });
  const stored = new Map<string, StoredDocument>();
  response.docs.forEach((doc, i) => {
    if ('found' in doc && doc.found && doc._source) {
      stored.set(documentIds[i]!, { version: doc._source.document_version, chunkCount: doc._source.chunk_count });
    }
  });
  return stored;
}

type Operation = estypes.BulkOperationContainer | ChunkDocument;

/**
 * Writes the given document versions for one org in one bulk request and returns what happened to each.
 * Documents must be distinct; throws on any failure other than a version conflict.
 */
export async function writeDocuments(
  client: Client,
  index: string,
  orgId: string,
  documents: readonly DocumentChunks[],
  options: { refresh?: boolean | 'wait_for' } = {},
): Promise<DocumentWriteResult[]> {
  const stored = await readStoredDocuments(
    client,
    index,
    orgId,
    documents.map((d) => d.documentId),
  );
  const operations: Operation[] = [];
  // Which document each bulk item belongs to and whether it is an index or a delete.
  const owners: Array<{ doc: number; kind: 'index' | 'delete' }> = [];
  const results = documents.map((doc, i): DocumentWriteResult => {
    const previous = stored.get(doc.documentId);
    if (previous && previous.version > doc.version) {
      return { documentId: doc.documentId, applied: false, indexed: 0, deleted: 0 };
    }
    const versioning = { version: doc.version, version_type: 'external_gte' as const };
    for (const chunk of doc.chunks) {
      operations.push({ index: { _index: index, _id: chunkDocumentId(orgId, chunk.chunkId), ...versioning } });
      operations.push(toChunkDocument(orgId, chunk));
      owners.push({ doc: i, kind: 'index' });
    }
    for (let n = doc.chunks.length; n < (previous?.chunkCount ?? 0); n++) {
      operations.push({
        delete: { _index: index, _id: chunkDocumentId(orgId, chunkIdOf(doc.documentId, n)), ...versioning },
      });
      owners.push({ doc: i, kind: 'delete' });
    }
    return { documentId: doc.documentId, applied: true, indexed: 0, deleted: 0 };
  });
  if (operations.length === 0) return results;

  const response = await client.bulk({ operations, refresh: options.refresh ?? false });
  const failures: string[] = [];
  response.items.forEach((item, i) => {
    const owner = owners[i]!;
    const result = results[owner.doc]!;
    const outcome = item.index ?? item.delete;
    if (!outcome) return;
    if (outcome.error) {
      // A newer version was written between our read and our write: the index keeps the newer one.
      if (outcome.error.type === 'version_conflict_engine_exception') {
        result.applied = false;
        return;
      }
      failures.push(`${outcome._id}: ${outcome.error.type}: ${outcome.error.reason ?? ''}`);
      return;
    }
    if (owner.kind === 'index') result.indexed++;
    else if (outcome.result === 'deleted') result.deleted++;
  });
  if (failures.length > 0) {
    throw new Error(`bulk write to ${index} failed for ${failures.length} item(s): ${failures.slice(0, 5).join('; ')}`);
  }
  return results;
}

/** Ids of every document the index holds for an org, for pruning documents gone from the source. */
export async function listDocumentIds(client: Client, index: string, orgId: string): Promise<string[]> {
  const ids: string[] = [];
  let after: Record<string, estypes.FieldValue> | undefined;
  for (;;) {
    const response = await client.search<unknown, { docs: estypes.AggregationsCompositeAggregate }>({
      index,
      size: 0,
      query: { term: { org_id: orgId } },
      aggs: {
        docs: { composite: { size: 1000, sources: [{ id: { terms: { field: 'document_id' } } }], after } },
      },
    });
    const docs = response.aggregations?.docs;
    const buckets = (docs?.buckets ?? []) as estypes.AggregationsCompositeBucket[];
    ids.push(...buckets.map((b) => String(b.key.id)));
    if (buckets.length === 0 || !docs?.after_key) return ids;
    after = docs.after_key;
  }
}
