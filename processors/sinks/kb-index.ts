/**
 * The kb-index sink: the chunks topic materialized into the Elasticsearch chunk index the retrieve stage
 * searches (processors/retrieve/chunk-index.ts defines it), one document per chunk under `<orgId>:<chunkId>`.
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

/** One passage as the index will hold it: the org and the chunk, at the version being written. */
export interface PassageVersion {
  readonly orgId: string;
  readonly chunk: KnowledgeChunk;
}

/**
 * THE EMBEDDING HOOK: where a passage's embedding is computed, once per passage version. The sink calls it
 * before writing a batch, with the passages whose version the index does not hold yet (absent, or older), so a
 * redelivery, a replay or an older version arriving late costs no embedding; a batch that fails and is retried
 * calls it again for the passages it had not written. No embedder is configured yet: the sentence-embedding model
 * and the in-process vector index are being built on their own (branch `grounded`) and plug in here.
 */
export interface PassageEmbedder {
  embedPassages(passages: readonly PassageVersion[]): Promise<void>;
}

export type ChunkOutcome = 'indexed' | 'deleted' | 'stale' | IndexItemError;

export interface ChunkIndexOptions {
  readonly index?: string;
  readonly embedder?: PassageEmbedder;
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

/** The passages among `chunks` the index holds at an older version or not at all: those still to embed. */
async function newPassageVersions(
  es: Client,
  index: string,
  chunks: readonly KnowledgeChunk[],
): Promise<PassageVersion[]> {
  if (chunks.length === 0) return [];
  const ids = chunks.map((c) => chunkDocumentId(c.meta.orgId, c.chunkId));
  const stored = await es.mget<Pick<ChunkDocument, 'document_version'>>({
    index,
    ids,
    _source_includes: ['document_version'],
    realtime: true,
  });
  return chunks.flatMap((chunk, i) => {
    const doc = stored.docs[i];
    const held = doc && 'found' in doc && doc.found ? doc._source?.document_version : undefined;
    return held !== undefined && held >= chunk.documentVersion ? [] : [{ orgId: chunk.meta.orgId, chunk }];
  });
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

  const writes = [...last.values()].filter((r): r is KnowledgeChunk => !isTombstone(r) && !r.deleted);
  if (options.embedder) {
    const passages = await newPassageVersions(es, index, writes);
    if (passages.length > 0) await options.embedder.embedPassages(passages);
  }

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
