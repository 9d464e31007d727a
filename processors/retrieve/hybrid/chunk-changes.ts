/**
 * A record of the compacted chunks topic as a change to the in-process knowledge base. The key names the org
 * and the chunk (`<orgId>:<chunkId>`, topics/keys.ts), so even a tombstone, which has no value, says what to
 * remove and from which org.
 */
import type { KnowledgeChunk } from '../../../schemas/index.js';
import { orgOfKey } from '../../../topics/keys.js';
import type { KnowledgeChange } from './knowledge-base.js';

/**
 * `chunk` is the decoded value, null for a tombstone; `embedding` is the vector the record carries, decoded for the
 * reader's model (knowledge-table.ts); null: found by BM25 only.
 */
export function knowledgeChangeOf(
  key: string,
  chunk: KnowledgeChunk | null,
  embedding: Float32Array | null,
): KnowledgeChange {
  const orgId = orgOfKey(key);
  if (chunk === null) return { kind: 'remove', orgId, chunkId: key.slice(orgId.length + 1) };
  if (chunk.meta.orgId !== orgId) {
    throw new Error(`chunk record keyed ${JSON.stringify(key)} belongs to org ${JSON.stringify(chunk.meta.orgId)}`);
  }
  if (chunk.deleted) return { kind: 'remove', orgId, chunkId: chunk.chunkId };
  // The carried vector bytes are not kept with the passage: the index holds the decoded vector once.
  const { meta: _meta, deleted: _deleted, embedding: _embedding, ...fields } = chunk;
  return { kind: 'upsert', orgId, chunk: fields, embedding };
}
