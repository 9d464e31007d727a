/**
 * A knowledge base written straight into the chunk index, through the chunk stage's cutting and the kb-index
 * sink's writes but without Kafka, for tests and benchmarks whose subject is not the knowledge base's own flow
 * (that flow is tested in connectors/kb-import/import.integration.test.ts).
 */
import type { Client } from '@elastic/elasticsearch';
import { toKnowledgeDocument } from '../../connectors/kb-import/documents.js';
import { readSources } from '../../connectors/kb-import/sources.js';
import type { KnowledgeChunk, KnowledgeDocument } from '../../schemas/index.js';
import { chunkDocument } from '../chunk/cut.js';
import { DEFAULT_CHUNK_INDEX } from '../retrieve/chunk-index.js';
import { applyChunks, ensureChunkIndex } from '../sinks/kb-index.js';

/** The documents of a folder or JSON-lines file, as an import of `orgId` would produce them. */
export async function knowledgeDocuments(orgId: string, path: string): Promise<KnowledgeDocument[]> {
  const now = Date.now();
  return (await readSources(path)).map((s) => toKnowledgeDocument(orgId, s, { defaultLanguage: 'en', now }));
}

/** Indexes the documents' chunks, searchable on return. */
export async function indexKnowledgeBase(
  es: Client,
  documents: readonly KnowledgeDocument[],
  index = DEFAULT_CHUNK_INDEX,
): Promise<{ documents: number; chunks: number }> {
  await ensureChunkIndex(es, index);
  const chunks = documents.flatMap((doc) =>
    chunkDocument(doc).map((fields): KnowledgeChunk => ({ meta: doc.meta, ...fields, deleted: false })),
  );
  for (let i = 0; i < chunks.length; i += 500) {
    const outcomes = await applyChunks(es, chunks.slice(i, i + 500), { index });
    const failed = [...outcomes.values()].filter((o) => o instanceof Error);
    if (failed.length > 0) throw new Error(`indexing failed: ${failed.map(String).slice(0, 3).join('; ')}`);
  }
  await es.indices.refresh({ index });
  return { documents: documents.length, chunks: chunks.length };
}

/** Deletes every chunk of the orgs (this Elasticsearch build has no delete-by-query); returns how many. */
export async function removeKnowledgeBases(
  es: Client,
  orgIds: readonly string[],
  index = DEFAULT_CHUNK_INDEX,
): Promise<number> {
  let removed = 0;
  for (;;) {
    const { hits } = await es.search({ index, size: 1000, _source: false, query: { terms: { org_id: [...orgIds] } } });
    if (hits.hits.length === 0) return removed;
    const operations = hits.hits.map((hit) => ({ delete: { _index: index, _id: hit._id! } }));
    await es.bulk({ operations, refresh: true });
    removed += operations.length;
  }
}
