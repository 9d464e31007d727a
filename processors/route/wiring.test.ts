import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routeStage } from './stage.js';
import { ROUTE_STAGE, routeWiring } from './wiring.js';

test('route reads drafted replies and writes routing decisions, as the topology declares', () => {
  assert.deepEqual(routeWiring(), {
    groupId: 'tf.route',
    inputTopics: ['tf.interactions.drafted.v1'],
    outputTopic: 'tf.interactions.routed.v1',
    deadLetterTopic: 'tf.dlq.route',
  });
});

test('the wiring is looked up under the name the stage runs as', () => {
  assert.equal(routeStage().name, ROUTE_STAGE);
});
