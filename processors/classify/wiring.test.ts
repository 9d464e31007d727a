import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyWiring } from './wiring.js';

test('classify reads enriched interactions and writes classified ones, as the topology declares', () => {
  assert.deepEqual(classifyWiring(), {
    groupId: 'tf.classify',
    inputTopics: ['tf.interactions.enriched.v1'],
    outputTopic: 'tf.interactions.classified.v1',
    deadLetterTopic: 'tf.dlq.classify',
  });
});
