/**
 * The kb-index sink: the chunks topic materialized into the Elasticsearch chunk index (lexical search for
 * whatever reads it; retrieval serves from its own in-process index), as processors/retrieve/chunk-index.ts
 * defines it, one document per chunk under `<orgId>:<chunkId>`.
 *
 * A batch is one `_bulk` request holding the last record of each chunk. The document version is Elasticsearch's
 * external version (`external_gte`), on writes and deletions alike: the same version again is a harmless
 * overwrite (a redelivery, or a replay after the cutting changed), and an older one arriving late, or replayed,
 * is refused by the index itself, so the index never goes back to an older version of a document. A deleted
 * chunk (its `deleted` record, or its tombstone with the version it carries) is deleted; a tombstone without a
 * version, which ticketflow never writes, deletes unconditionally.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { KnowledgeChunk } from '../../schemas/index.js';
import {
  chunkDocumentId,
  chunkIndexMappings,
  chunkIndexSettings,
  DEFAULT_CHUNK_INDEX,
  toChunkDocument,
  type ChunkDocument,
} from '../retrieve/chunk-index.js';
import type { Dependency } from '../runtime/dependency.js';
import { PermanentError } from '../runtime/errors.js';
import { failed, isTombstone, type BatchStage, type ItemResult, type Tombstone } from '../runtime/stage.js';
import { IndexItemError } from './search-index.js';

export const KB_INDEX = { name: 'kb-index', version: '1.0.0' } as const;

export type ChunkRecord = KnowledgeChunk | Tombstone;

export type ChunkOutcome = 'indexed' | 'deleted' | 'stale' | IndexItemError;

export interface ChunkIndexOptions {
  readonly index?: string;
  readonly refresh?: boolean | 'wait_for';
}

const idOf = (record: ChunkRecord) =>
  chunkDocumentId(record.meta.orgId, isTombstone(record) ? record.entityId : record.chunkId);

function errorType(error: unknown): string | undefined {
  return (error as { meta?: { body?: { error?: { type?: string } } } }).meta?.body?.error?.type;
}

/** Creates the index with its mapping, or adds the fields a newer mapping has; safe when several start at once. */
export async function ensureChunkIndex(es: Client, index = DEFAULT_CHUNK_INDEX): Promise<void> {
  if (await es.indices.exists({ index })) {
    await es.indices.putMapping({ index, ...chunkIndexMappings });
    return;
  }
  try {
    await es.indices.create({ index, settings: chunkIndexSettings, mappings: chunkIndexMappings });
  } catch (error) {
    if (errorType(error) !== 'resource_already_exists_exception') throw error;
  }
}

/**
 * Writes the last record of each chunk among `records` in one bulk request. Returns the outcome per index id
 * (`<orgId>:<chunkId>`); a request that fails as a whole rejects.
 */
export async function applyChunks(
  es: Client,
  records: readonly ChunkRecord[],
  options: ChunkIndexOptions = {},
): Promise<Map<string, ChunkOutcome>> {
  const index = options.index ?? DEFAULT_CHUNK_INDEX;
  // Records of one chunk share a partition, so a batch holds them in the order they were written.
  const last = new Map<string, ChunkRecord>();
  for (const record of records) last.set(idOf(record), record);
  const outcomes = new Map<string, ChunkOutcome>();
  if (last.size === 0) return outcomes;

  const operations: Array<estypes.BulkOperationContainer | ChunkDocument> = [];
  for (const [id, record] of last) {
    if (isTombstone(record)) {
      const versioning =
        record.version === null ? {} : { version: record.version, version_type: 'external_gte' as const };
      operations.push({ delete: { _index: index, _id: id, ...versioning } });
    } else {
      const versioning = { version: record.documentVersion, version_type: 'external_gte' as const };
      if (record.deleted) {
        operations.push({ delete: { _index: index, _id: id, ...versioning } });
      } else {
        operations.push({ index: { _index: index, _id: id, ...versioning } });
        operations.push(toChunkDocument(record.meta.orgId, record));
      }
    }
  }
  const response = await es.bulk({ operations, refresh: options.refresh ?? false });
  const ids = [...last.keys()];
  response.items.forEach((item, i) => {
    const id = ids[i]!;
    const result = item.index ?? item.delete!;
    if (!result.error) {
      outcomes.set(id, item.index ? 'indexed' : 'deleted');
    } else if (result.error.type === 'version_conflict_engine_exception') {
      outcomes.set(id, 'stale');
    } else {
      outcomes.set(id, new IndexItemError(result.status, `${result.error.type}: ${result.error.reason ?? ''}`));
    }
  });
  return outcomes;
}

export function kbIndexSink(
  es: Client,
  elasticsearch: Dependency,
  options: Omit<ChunkIndexOptions, 'refresh'> = {},
): BatchStage<ChunkRecord, never> {
  let ready: Promise<void> | null = null;
  return {
    ...KB_INDEX,
    consumes: ['KnowledgeChunk'],
    readsTombstones: true,
    async handleBatch(items) {
      ready ??= elasticsearch
        .call(() => ensureChunkIndex(es, options.index))
        .catch((error: unknown) => {
          ready = null;
          throw error;
        });
      await ready;
      const outcomes = await elasticsearch.call(() =>
        applyChunks(
          es,
          items.map((item) => item.event),
          options,
        ),
      );
      return items.map(({ event }): ItemResult<never> => {
        const outcome = outcomes.get(idOf(event));
        if (!(outcome instanceof IndexItemError)) return [];
        const overloaded = outcome.status === 429 || outcome.status >= 500;
        return failed(overloaded ? elasticsearch.unavailable(outcome.message) : new PermanentError(outcome.message));
      });
    },
  };
}

/** One document as the chunk index holds it: its version and how many chunks it has there. */
export interface IndexedDocument {
  readonly version: number;
  readonly chunks: number;
}

/**
 * Every document the index holds for an org, with its highest version and its number of chunks: what a caller
 * waiting for an import to become searchable compares with what it imported. None while the index does not
 * exist yet (the sink creates it at its first batch).
 */
export async function indexedDocuments(
  es: Client,
  orgId: string,
  index = DEFAULT_CHUNK_INDEX,
): Promise<Map<string, IndexedDocument>> {
  const documents = new Map<string, IndexedDocument>();
  let after: Record<string, estypes.FieldValue> | undefined;
  for (;;) {
    const response = await es
      .search<unknown, { docs: estypes.AggregationsCompositeAggregate }>({
        index,
        size: 0,
        query: { term: { org_id: orgId } },
        aggs: {
          docs: {
            composite: { size: 1000, sources: [{ id: { terms: { field: 'document_id' } } }], after },
            aggs: { version: { max: { field: 'document_version' } } },
          },
        },
      })
      .catch((error: unknown) => {
        if (errorType(error) === 'index_not_found_exception') return null;
        throw error;
      });
    if (!response) return documents;
    const docs = response.aggregations?.docs;
    const buckets = (docs?.buckets ?? []) as Array<
      estypes.AggregationsCompositeBucket & { version: estypes.AggregationsMaxAggregate }
    >;
    for (const bucket of buckets) {
      documents.set(String(bucket.key.id), { version: Number(bucket.version.value), chunks: bucket.doc_count });
    }
    if (buckets.length === 0 || !docs?.after_key) return documents;
    after = docs.after_key;
  }
}
