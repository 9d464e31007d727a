/**
 * The Elasticsearch index of knowledge-base chunks: its mapping, its document shape and its ids. Retrieval
 * defines it because what is searchable, and how, is a retrieval decision; the kb-index sink writes
 * through it, so both sides agree on every field.
 */
import type { estypes } from '@elastic/elasticsearch';
import { baseLanguage, foldText } from './terms.js';

export const DEFAULT_CHUNK_INDEX = 'tf-kb-chunks';

/** What a chunk is made of, whatever cut it: the KnowledgeChunk fields the index needs. */
export interface ChunkFields {
  chunkId: string;
  documentId: string;
  documentVersion: number;
  chunkIndex: number;
  chunkCount: number;
  updatedAt: number;
  title: string;
  section: string | null;
  text: string;
  language: string;
  sourceUri: string | null;
  tags: string[];
}

/** One indexed chunk, in the index's own snake_case. */
export interface ChunkDocument {
  org_id: string;
  document_id: string;
  document_version: number;
  chunk_id: string;
  chunk_index: number;
  chunk_count: number;
  updated_at: number;
  title: string;
  section: string | null;
  text: string;
  language: string;
  /** Primary subtag of `language`: questions in en-GB find articles in en and en-US. */
  language_base: string;
  source_uri: string | null;
  tags: string[];
  /** `foldText` of the title: the terms the title is searched on. */
  title_terms: string;
  /** `foldText` of the section and text: the terms the body is searched on. */
  body_terms: string;
}

/** Ids are unique per org only, so two orgs importing the same document must not share an `_id`. */
export function chunkDocumentId(orgId: string, chunkId: string): string {
  return `${orgId}:${chunkId}`;
}

/** Chunk ids are `<documentId>#<chunkIndex>` (KnowledgeChunk.chunkId), stable across document versions. */
export function chunkIdOf(documentId: string, chunkIndex: number): string {
  return `${documentId}#${chunkIndex}`;
}

/** The document and position a chunk id names; null for an id not of the form `<documentId>#<chunkIndex>`. */
export function parseChunkId(chunkId: string): { documentId: string; chunkIndex: number } | null {
  const at = chunkId.lastIndexOf('#');
  const index = chunkId.slice(at + 1);
  if (at <= 0 || !/^(0|[1-9]\d*)$/.test(index)) return null;
  return { documentId: chunkId.slice(0, at), chunkIndex: Number(index) };
}

export function toChunkDocument(orgId: string, chunk: ChunkFields): ChunkDocument {
  return {
    org_id: orgId,
    document_id: chunk.documentId,
    document_version: chunk.documentVersion,
    chunk_id: chunk.chunkId,
    chunk_index: chunk.chunkIndex,
    chunk_count: chunk.chunkCount,
    updated_at: chunk.updatedAt,
    title: chunk.title,
    section: chunk.section,
    text: chunk.text,
    language: chunk.language,
    language_base: baseLanguage(chunk.language),
    source_uri: chunk.sourceUri,
    tags: chunk.tags,
    title_terms: foldText(chunk.title, chunk.language),
    body_terms: foldText(`${chunk.section ?? ''}\n${chunk.text}`, chunk.language),
  };
}

/**
 * Only analysis parts that exist in every Elasticsearch build (the integ-test one has no stemmers or language
 * analyzers): terms.ts has already removed filler words and folded plurals, so this only needs to split,
 * lower-case and drop the standard English stop words.
 */
const ANALYZER = 'tf_text';

export const chunkIndexSettings: estypes.IndicesIndexSettings = {
  // A knowledge base is small; one shard keeps BM25 statistics in one place, so scores are stable.
  number_of_shards: 1,
  // One replica where there is a second node to hold it, none on a single-node stack (which would stay yellow).
  auto_expand_replicas: '0-1',
  analysis: {
    filter: { tf_english_stop: { type: 'stop', stopwords: '_english_' } },
    analyzer: {
      [ANALYZER]: { type: 'custom', tokenizer: 'standard', filter: ['lowercase', 'tf_english_stop'] },
    },
  },
};

export const chunkIndexMappings: estypes.MappingTypeMapping = {
  // A typo in a writer should fail the write, not add a field nobody searches.
  dynamic: 'strict',
  properties: {
    org_id: { type: 'keyword' },
    document_id: { type: 'keyword' },
    document_version: { type: 'long' },
    chunk_id: { type: 'keyword' },
    chunk_index: { type: 'integer' },
    chunk_count: { type: 'integer' },
    updated_at: { type: 'date', format: 'epoch_millis' },
    title: { type: 'text', analyzer: ANALYZER, fields: { keyword: { type: 'keyword', ignore_above: 512 } } },
    section: { type: 'text', analyzer: ANALYZER },
    text: { type: 'text', analyzer: ANALYZER },
    language: { type: 'keyword' },
    language_base: { type: 'keyword' },
    source_uri: { type: 'keyword', index: false },
    tags: { type: 'keyword' },
    title_terms: { type: 'text', analyzer: ANALYZER },
    body_terms: { type: 'text', analyzer: ANALYZER },
  },
};
