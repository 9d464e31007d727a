import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import { tombstone } from './stage.js';
import { TICKET_EVENT_KINDS } from '../sinks/events.js';
import { explicitWiring, fetchBytesFor, totalFetchBytesFor, wiringFor } from './wiring.js';

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

test('fetches are sized by the largest event a stage reads: a few hundred per partition, a thousand in all', () => {
  assert.equal(fetchBytesFor([{ eventBytes: 1200 }]), 1200 * 250);
  assert.equal(fetchBytesFor([{ eventBytes: 100 }]), 64 * 1024, 'never below 64 KiB per partition');
  assert.equal(fetchBytesFor([{ eventBytes: 8000 }]), 1024 * 1024, 'never above 1 MiB per partition');
  assert.equal(totalFetchBytesFor([{ eventBytes: 1200 }, { eventBytes: 4500 }]), 4500 * 1000);
  assert.equal(totalFetchBytesFor([{ eventBytes: 400 }]), 1024 * 1024);
  const ticketStore = wiringFor({ name: 'ticket-store', consumes: TICKET_EVENT_KINDS, emits: 'TicketChanged' });
  assert.ok(ticketStore.maxBytes <= 8 * 1024 * 1024, `ticket store fetches ${ticketStore.maxBytes} bytes at most`);
});
