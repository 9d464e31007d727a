import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostedStage } from '../catalog.js';
import { wiringFor } from '../runtime/wiring.js';
import { ticketStoreSink } from './stages.js';

test('the ticket store reads its steps and the commands, each with its own schema, and writes its changelog', () => {
  const stage = ticketStoreSink({ collection: () => ({}) } as never, {} as never);
  const wiring = wiringFor(stage);
  assert.equal(wiring.groupId, 'tf.ticket-store');
  assert.equal(wiring.outputTopic, 'tf.tickets.changes.v1');
  assert.equal(wiring.deadLetterTopic, 'tf.dlq.ticket-store');
  assert.equal(wiring.readerSchema('tf.interactions.routed.v1').name, 'RoutingDecided');
  assert.equal(wiring.readerSchema('tf.interactions.received.v1').name, 'InteractionReceived');
  assert.equal(wiring.readerSchema('tf.tickets.commands.v1').name, 'TicketCommand');
  assert.throws(
    () => wiring.readerSchema('tf.knowledge.chunks.v1'),
    /ticket-store does not read tf.knowledge.chunks.v1/,
  );
});

test('the search index and the live views follow the changelog alone', () => {
  const resources = { elasticsearch: () => ({}), redis: () => ({}) } as never;
  for (const name of ['search-index', 'live-views'] as const) {
    const { wiring } = hostedStage(name, resources);
    assert.deepEqual(wiring.inputTopics, ['tf.tickets.changes.v1']);
    assert.equal(wiring.outputTopic, undefined);
  }
});

test('a stage whose events disagree with the topology is refused at start-up', () => {
  const stage = { ...ticketStoreSink({ collection: () => ({}) } as never, {} as never), emits: undefined };
  assert.throws(
    () => wiringFor(stage),
    /ticket-store emits nothing but the topology has it write tf.tickets.changes.v1/,
  );
  const narrow = { ...stage, emits: 'TicketChanged' as const, consumes: ['RoutingDecided' as const] };
  assert.throws(() => wiringFor(narrow), /reads tf.interactions.received.v1, which carries InteractionReceived/);
});

test('the kb-index sink reads the chunks topic, tombstones included, and writes no topic', () => {
  const { stage, wiring } = hostedStage('kb-index', { elasticsearch: () => ({}) } as never);
  assert.equal(stage.name, 'kb-index');
  assert.equal(wiring.groupId, 'tf.kb-index');
  assert.deepEqual(wiring.inputTopics, ['tf.knowledge.chunks.v1']);
  assert.ok(wiring.tombstoneTopics.has('tf.knowledge.chunks.v1'));
  assert.equal(wiring.outputTopic, undefined);
  assert.equal(wiring.deadLetterTopic, 'tf.dlq.kb-index');
});
