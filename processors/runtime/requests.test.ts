import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitIntoRequests } from './requests.js';

const message = (n: number, bytes: number) => ({ key: `k${n}`, value: Buffer.alloc(bytes, n) });

test('requests stay under the byte limit and keep every message in its order', () => {
  const topicMessages = [
    { topic: 'out', messages: Array.from({ length: 10 }, (_, i) => message(i, 300)) },
    { topic: 'dlq', messages: [message(10, 300), message(11, 300)] },
  ];
  const requests = splitIntoRequests(topicMessages, 1000);
  assert.ok(requests.length > 1);
  for (const request of requests) {
    const bytes = request.flatMap((t) => t.messages).reduce((sum, m) => sum + (m.value as Buffer).length, 0);
    assert.ok(bytes <= 1000, `request of ${bytes} bytes`);
  }
  const flattened = requests.flatMap((r) => r.flatMap((t) => t.messages.map((m) => `${t.topic}:${String(m.key)}`)));
  assert.deepEqual(flattened, [...Array.from({ length: 10 }, (_, i) => `out:k${i}`), 'dlq:k10', 'dlq:k11']);
});

test('a message larger than the limit travels alone rather than being dropped', () => {
  const requests = splitIntoRequests(
    [{ topic: 't', messages: [message(1, 10), message(2, 5000), message(3, 10)] }],
    1000,
  );
  assert.deepEqual(
    requests.map((r) => r.flatMap((t) => t.messages.map((m) => String(m.key)))),
    [['k1'], ['k2'], ['k3']],
  );
});

test('nothing to send gives no request', () => {
  assert.deepEqual(splitIntoRequests([], 1000), []);
});
