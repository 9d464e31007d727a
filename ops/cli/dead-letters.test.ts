import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ticketflow } from '../../topics/topology.js';
import { UsageError } from './command.js';
import {
  countLetters,
  deadLetterTopics,
  decodeRedriven,
  encodeRedriven,
  matches,
  parseCoordinates,
  parseSince,
  redriveCommit,
  toDeadLetter,
} from './dead-letters.js';

const record = (headers: Record<string, string>, offset = 7) => ({
  topic: 'tf.dlq.enrich',
  partition: 1,
  offset,
  timestamp: Date.UTC(2026, 4, 1, 10),
  key: Buffer.from('org-1'),
  value: Buffer.from('x'),
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
});

test('a dead letter is read from the runtime’s headers', () => {
  const letter = toDeadLetter(
    record({
      'tf-error-class': 'PoisonEventError',
      'tf-error-message': 'bad bytes',
      'tf-stage': 'enrich',
      'tf-original-topic': 'tf.interactions.received.v1',
      'tf-original-partition': '3',
      'tf-original-offset': '120',
      'tf-attempts': '1',
      'tf-failed-at': '2026-05-01T09:59:00.000Z',
      'tf-redrive-count': '2',
    }),
  );
  assert.equal(letter.errorClass, 'PoisonEventError');
  assert.equal(letter.originalPartition, 3);
  assert.equal(letter.failedAt, Date.UTC(2026, 4, 1, 9, 59));
  assert.equal(letter.redriveCount, 2);
  assert.equal(letter.key, 'org-1');
  const bare = toDeadLetter(record({}));
  assert.equal(bare.failedAt, Date.UTC(2026, 4, 1, 10), 'the record time stands in for a missing failed-at');
  assert.equal(bare.redriveCount, 0);
  assert.equal(bare.originalTopic, null);
});

test('filters by stage, error class and time', () => {
  const letter = toDeadLetter(
    record({ 'tf-stage': 'enrich', 'tf-error-class': 'E', 'tf-failed-at': '2026-05-01T10:00:00Z' }),
  );
  assert.ok(matches(letter, {}));
  assert.ok(matches(letter, { stage: 'enrich', errorClass: 'E', since: Date.UTC(2026, 4, 1, 10) }));
  assert.ok(!matches(letter, { stage: 'route' }));
  assert.ok(!matches(letter, { since: Date.UTC(2026, 4, 1, 10, 1) }));
});

test('counts per stage and error class, the largest first', () => {
  const letters = [
    ['a', 'X'],
    ['b', 'Y'],
    ['b', 'Y'],
  ].map(([stage, errorClass], i) =>
    toDeadLetter(
      record({ 'tf-stage': stage!, 'tf-error-class': errorClass!, 'tf-failed-at': new Date(i * 1000).toISOString() }),
    ),
  );
  assert.deepEqual(countLetters(letters), [
    { stage: 'b', errorClass: 'Y', count: 2, firstFailedAt: 1000, lastFailedAt: 2000 },
    { stage: 'a', errorClass: 'X', count: 1, firstFailedAt: 0, lastFailedAt: 0 },
  ]);
});

test('coordinates and --since', () => {
  assert.deepEqual(parseCoordinates('tf.dlq.enrich:1:42'), { topic: 'tf.dlq.enrich', partition: 1, offset: 42 });
  assert.deepEqual(parseCoordinates('odd:topic:0:5'), { topic: 'odd:topic', partition: 0, offset: 5 });
  assert.throws(() => parseCoordinates('tf.dlq.enrich:1'), UsageError);
  const now = Date.UTC(2026, 4, 1, 12);
  assert.equal(parseSince('PT2H', now), Date.UTC(2026, 4, 1, 10));
  assert.equal(parseSince('2026-05-01T08:00:00Z', now), Date.UTC(2026, 4, 1, 8));
  assert.throws(() => parseSince('2026-05-01T13:00:00Z', now), /in the future/);
});

test('redriven offsets are kept as ranges after the committed offset', () => {
  assert.equal(encodeRedriven([5, 3, 4, 9, 11, 12]), 'redriven:3-5,9,11-12');
  assert.deepEqual([...decodeRedriven('redriven:3-5,9')], [3, 4, 5, 9]);
  assert.deepEqual([...decodeRedriven(null)], []);
  assert.deepEqual([...decodeRedriven('something else')], []);
  // 10 and 11 were redriven right after the committed 10, so the commit moves past them; 14 stays listed.
  assert.deepEqual(redriveCommit(10, new Set([10, 11, 14])), { offset: 12, metadata: 'redriven:14' });
  assert.deepEqual(redriveCommit(10, new Set([12])), { offset: 10, metadata: 'redriven:12' });
});

test('the dead-letter topics are the topology’s', () => {
  const topics = deadLetterTopics(ticketflow);
  assert.ok(topics.includes('tf.dlq.enrich') && topics.includes('tf.dlq.live-views'));
  assert.ok(topics.every((t) => t.startsWith('tf.dlq.')));
});
