import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sinkWiring, SINK_NAMES, isSinkName } from './stages.js';

test('each sink reads its topology inputs, each with the schema of the event written there, and writes nothing', () => {
  const { wiring, readerSchema } = sinkWiring('ticket-store');
  assert.equal(wiring.groupId, 'tf.ticket-store');
  assert.equal(wiring.outputTopic, undefined);
  assert.equal(wiring.deadLetterTopic, 'tf.dlq.ticket-store');
  assert.equal(readerSchema('tf.interactions.routed.v1').name, 'RoutingDecided');
  assert.equal(readerSchema('tf.interactions.received.v1').name, 'InteractionReceived');
  assert.throws(() => readerSchema('tf.knowledge.chunks.v1'), /ticket-store does not read tf.knowledge.chunks.v1/);

  const search = sinkWiring('search-index').wiring;
  assert.deepEqual([...search.inputTopics].sort(), ['tf.interactions.routed.v1', 'tf.tickets.commands.v1']);
  for (const name of SINK_NAMES) assert.ok(sinkWiring(name).wiring.inputTopics.length > 0);
});

test('sink names are checked', () => {
  assert.equal(isSinkName('live-views'), true);
  assert.equal(isSinkName('kb-index'), false, 'declared in the topology but not built yet');
});
