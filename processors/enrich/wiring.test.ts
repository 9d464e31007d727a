import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enrichWiring } from './wiring.js';

test('enrich reads received interactions and writes enriched ones, as the topology declares', () => {
  assert.deepEqual(enrichWiring(), {
    groupId: 'tf.enrich',
    inputTopics: ['tf.interactions.received.v1'],
    outputTopic: 'tf.interactions.enriched.v1',
    deadLetterTopic: 'tf.dlq.enrich',
  });
});
