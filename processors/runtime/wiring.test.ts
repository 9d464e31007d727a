import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import { tombstone } from './stage.js';
import { explicitWiring, wiringFor } from './wiring.js';

const chunkShape = {
  name: 'chunk',
  consumes: ['KnowledgeDocument'],
  emits: 'KnowledgeChunk',
  readsTombstones: true,
} as const;

test('an output topic keyed by entity keys each output by its own entity, tombstones by theirs', () => {
  const wiring = wiringFor(chunkShape);
  assert.equal(wiring.outputTopic, 'tf.knowledge.chunks.v1');
  const chunk = sampleEvents.KnowledgeChunk;
  assert.equal(wiring.outputKey?.(chunk), `${chunk.meta.orgId}:doc-refunds#0`);
  assert.equal(wiring.outputKey?.(tombstone(chunk.meta, 'doc-refunds#4')), `${chunk.meta.orgId}:doc-refunds#4`);
  assert.deepEqual([...wiring.tombstoneTopics], ['tf.knowledge.documents.v1']);
});

test('outputs of an org-keyed topic take their input key', () => {
  const wiring = wiringFor({ name: 'route', consumes: ['ResponseDrafted'], emits: 'RoutingDecided' });
  assert.equal(wiring.outputKey, undefined);
  assert.equal(wiring.tombstoneTopics.size, 0);
});

test('a stage reading a compacted topic must say it handles tombstones', () => {
  assert.throws(
    () => wiringFor({ ...chunkShape, readsTombstones: undefined }),
    /chunk reads the compacted topic tf.knowledge.documents.v1 but does not declare readsTombstones/,
  );
  assert.doesNotThrow(() => wiringFor({ name: 'kb-index', consumes: ['KnowledgeChunk'], readsTombstones: true }));
});

test('explicit wiring can read compacted topics and key its output by entity', () => {
  const wiring = explicitWiring({
    groupId: 'g',
    inputTopics: ['docs'],
    outputTopic: 'chunks',
    deadLetterTopic: 'dlq',
    event: 'KnowledgeDocument',
    compacted: true,
    outputEntity: 'chunkId',
  });
  assert.ok(wiring.tombstoneTopics.has('docs'));
  assert.equal(
    wiring.outputKey?.(sampleEvents.KnowledgeChunk),
    `${sampleEvents.KnowledgeChunk.meta.orgId}:doc-refunds#0`,
  );
  assert.equal(wiring.readerSchema('docs').name, 'KnowledgeDocument');
});
