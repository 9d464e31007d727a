import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retrieveStage } from './stage.js';
import { RETRIEVE_STAGE, retrieveWiring } from './wiring.js';

test('retrieve reads classified interactions and writes grounded ones, as the topology declares', () => {
  assert.deepEqual(retrieveWiring(), {
    groupId: 'tf.retrieve',
    inputTopics: ['tf.interactions.classified.v1'],
    outputTopic: 'tf.interactions.grounded.v1',
    deadLetterTopic: 'tf.dlq.retrieve',
  });
});

test('the wiring is looked up under the name the stage runs as', () => {
  const stage = retrieveStage({ search: async () => ({ passages: [], language: null }) });
  assert.equal(stage.name, RETRIEVE_STAGE);
});
