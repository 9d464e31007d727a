import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../../schemas/fixtures.js';
import { entityKey } from '../../../topics/keys.js';
import { knowledgeChangeOf } from './chunk-changes.js';
import { KnowledgeBase } from './knowledge-base.js';

const chunk = sampleEvents.KnowledgeChunk;
const org = chunk.meta.orgId;
const key = entityKey(org, chunk.chunkId);
const embedding = new Float32Array([1, 0]);

test('a chunk record upserts its fields under the org its key names', () => {
  const change = knowledgeChangeOf(key, chunk, embedding);
  assert.equal(change.kind, 'upsert');
  if (change.kind !== 'upsert') return;
  assert.equal(change.orgId, org);
  assert.equal(change.embedding, embedding);
  assert.deepEqual(change.chunk, {
    chunkId: chunk.chunkId,
    documentId: chunk.documentId,
    documentVersion: chunk.documentVersion,
    chunkIndex: chunk.chunkIndex,
    chunkCount: chunk.chunkCount,
    updatedAt: chunk.updatedAt,
    title: chunk.title,
    section: chunk.section,
    text: chunk.text,
    language: chunk.language,
    sourceUri: chunk.sourceUri,
    tags: chunk.tags,
  });
});

test('a deleted chunk and a tombstone both remove the chunk from the base', () => {
  const kb = new KnowledgeBase({ dimension: 2 });
  kb.apply([knowledgeChangeOf(key, chunk, embedding)]);
  assert.equal(kb.org(org)?.size, 1);
  assert.deepEqual(knowledgeChangeOf(key, { ...chunk, deleted: true, text: '' }, null), {
    kind: 'remove',
    orgId: org,
    chunkId: chunk.chunkId,
  });
  kb.apply([knowledgeChangeOf(key, null, null)]);
  assert.equal(kb.org(org), undefined);
});

test('a record whose key and envelope name different orgs is refused', () => {
  assert.throws(() => knowledgeChangeOf(entityKey('other-org', chunk.chunkId), chunk, null), /belongs to org/);
});
