import assert from 'node:assert/strict';
import { test } from 'node:test';
import { respondStage } from './stage.js';
import { RESPOND_STAGE, respondWiring } from './wiring.js';

test('respond reads grounded interactions and writes drafted replies, as the topology declares', () => {
  assert.deepEqual(respondWiring(), {
    groupId: 'tf.respond',
    inputTopics: ['tf.interactions.grounded.v1'],
    outputTopic: 'tf.interactions.drafted.v1',
    deadLetterTopic: 'tf.dlq.respond',
  });
});

test('the wiring is looked up under the name the stage runs as', () => {
  assert.equal(respondStage().name, RESPOND_STAGE);
});
