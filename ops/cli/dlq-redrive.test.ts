import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toDeadLetter } from './dead-letters.js';
import { verdict, type PartitionMemory } from './dlq-redrive.js';

const letter = (offset: number, headers: Record<string, string>) =>
  toDeadLetter({
    topic: 'tf.dlq.enrich',
    partition: 0,
    offset,
    timestamp: 0,
    key: null,
    value: null,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
  });

const origin = { 'tf-stage': 'enrich', 'tf-original-topic': 'tf.interactions.received.v1' };
const exists = (topic: string) => topic === 'tf.interactions.received.v1';

test('a dead letter is redriven only when it matches, was not redriven, is under the limit and has an origin', () => {
  const memory: PartitionMemory = { committed: 10, redriven: new Set([12]) };
  assert.equal(verdict(letter(11, origin), memory, {}, 3, exists), 'redrive');
  assert.equal(verdict(letter(11, origin), memory, { stage: 'route' }, 3, exists), 'unmatched');
  assert.equal(verdict(letter(12, origin), memory, {}, 3, exists), 'already');
  assert.equal(verdict(letter(11, { ...origin, 'tf-redrive-count': '3' }), memory, {}, 3, exists), 'at-limit');
  assert.equal(verdict(letter(11, { ...origin, 'tf-redrive-count': '2' }), memory, {}, 3, exists), 'redrive');
  assert.equal(verdict(letter(11, { 'tf-stage': 'enrich' }), memory, {}, 3, exists), 'no-origin');
  assert.equal(verdict(letter(11, { ...origin, 'tf-original-topic': 'gone' }), memory, {}, 3, exists), 'no-origin');
});

test('a redrive that could not be remembered within the metadata limit is deferred, not repeated later', () => {
  // Every other offset redriven: each is its own range, and 4000 characters run out.
  const memory: PartitionMemory = {
    committed: 0,
    redriven: new Set(Array.from({ length: 1000 }, (_, i) => 1 + i * 2)),
  };
  assert.equal(verdict(letter(5000, origin), memory, {}, 3, exists), 'deferred');
});
