import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { KnowledgeChunk } from '../../schemas/index.js';
import { LiveChunks } from './live-chunks.js';

const ORG = sampleEvents.KnowledgeChunk.meta.orgId;

function chunk(index: number, version: number, deleted = false, documentId = 'doc'): KnowledgeChunk {
  return {
    ...sampleEvents.KnowledgeChunk,
    chunkId: `${documentId}#${index}`,
    documentId,
    chunkIndex: index,
    documentVersion: version,
    deleted,
  };
}

test('the topic’s records and tombstones say which chunks are live, the last per chunk winning', () => {
  const live = new LiveChunks();
  for (const i of [0, 1, 2, 3]) live.applyChunk(chunk(i, 1));
  live.applyChunk(chunk(0, 2));
  live.applyChunk(chunk(3, 2, true));
  assert.ok(live.applyTombstone(ORG, 'doc#3', 2));
  assert.ok(live.applyTombstone(ORG, 'doc#2', null));
  assert.deepEqual(live.live(ORG, 'doc'), { version: 2, indexes: [0, 1] });
  assert.deepEqual(live.live(ORG, 'other'), { version: null, indexes: [] });
  assert.deepEqual(live.live('another-org', 'doc'), { version: null, indexes: [] });
  assert.equal(live.applyTombstone(ORG, 'no-index-here', 3), false);
});

test('document ids may hold # themselves: the index is what follows the last one', () => {
  const live = new LiveChunks();
  live.applyChunk(chunk(4, 1, false, 'faq#billing'));
  assert.deepEqual(live.live(ORG, 'faq#billing').indexes, [4]);
  live.applyTombstone(ORG, 'faq#billing#4', 2);
  assert.deepEqual(live.live(ORG, 'faq#billing'), { version: 2, indexes: [] });
});

test('what was emitted counts as live until the topic shows its version', () => {
  const live = new LiveChunks();
  for (const i of [0, 1]) live.applyChunk(chunk(i, 1));
  live.emitted(ORG, 'doc', 2, [0, 1, 2, 3, 4]);
  assert.deepEqual(live.live(ORG, 'doc'), { version: 2, indexes: [0, 1, 2, 3, 4] });
  // A later version in the same batch only adds to what may be live: nothing is forgotten before it is read.
  live.emitted(ORG, 'doc', 3, [0]);
  assert.deepEqual(live.live(ORG, 'doc'), { version: 3, indexes: [0, 1, 2, 3, 4] });

  live.settle();
  assert.deepEqual(live.live(ORG, 'doc').indexes, [0, 1, 2, 3, 4], 'the topic has not shown version 3 yet');
  for (const i of [0, 1, 2, 3, 4]) live.applyChunk(chunk(i, 2));
  live.settle();
  assert.deepEqual(live.live(ORG, 'doc').indexes, [0, 1, 2, 3, 4], 'version 2 is not version 3');
  live.applyChunk(chunk(0, 3));
  for (const i of [1, 2, 3, 4]) live.applyChunk(chunk(i, 3, true));
  live.settle();
  assert.deepEqual(live.live(ORG, 'doc'), { version: 3, indexes: [0] });
});
