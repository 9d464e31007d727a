/**
 * The partition reader over ranges longer than one fetch: every record once, in offset order, then done. Before
 * it resolved offsets, each fetch handed it the range's first batch again, for ever.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { withPartitionReader } from './partition-reader.js';
import { cleanUp, kafka, topicWithRecords, uniqueName } from './test-support.js';

const topic = uniqueName('test.partition-reader');

after(() => cleanUp([topic], []));

test('a range of several fetches is read once, in order', async () => {
  // About 3 MB per partition: kafkajs fetches 1 MB per partition at a time.
  const counts = [300, 250];
  await topicWithRecords(topic, [0, 0]);
  const producer = kafka.producer();
  await producer.connect();
  for (const [partition, count] of counts.entries()) {
    for (let i = 0; i < count; i += 50) {
      const messages = Array.from({ length: Math.min(50, count - i) }, () => ({
        partition,
        value: 'x'.repeat(10_000),
      }));
      await producer.send({ topic, acks: -1, messages });
    }
  }
  await producer.disconnect();
  const seen = new Map<number, number[]>();
  await withPartitionReader(kafka, [topic], (reader) =>
    reader.read(
      counts.map((count, partition) => ({ topic, partition, from: 0, to: count })),
      (record) => void seen.set(record.partition, [...(seen.get(record.partition) ?? []), record.offset]),
    ),
  );
  for (const [partition, count] of counts.entries()) {
    assert.deepEqual(seen.get(partition), [...Array(count).keys()], `partition ${partition}`);
  }
});
