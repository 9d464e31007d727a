/**
 * Proves that kafkajs (last released for Kafka 2.x/3.x) speaks to the stack's Kafka 4 broker: admin, keyed
 * produce, group consume, idempotence and transactions. Needs a running stack.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { loadConfig } from '../../../config/index.js';

const config = loadConfig();
const client = new Kafka({
  clientId: `${config.kafka.clientId}-smoke`,
  brokers: config.kafka.brokers,
  // kafkajs logs retriable errors (coordinator loading, concurrent transactions) at ERROR before retrying
  // them; real failures still reach the tests as rejections.
  logLevel: logLevel.NOTHING,
  connectionTimeout: 3000,
});
const suffix = randomUUID().slice(0, 8);
const topic = `smoke.kafka.${suffix}`;
const PARTITIONS = 6;
const CONSUME_TIMEOUT_MS = 30_000;

let admin: Admin;
const producers: Producer[] = [];
const consumers: Consumer[] = [];

function producer(options: Parameters<Kafka['producer']>[0] = {}): Producer {
  // The Java-compatible partitioner, so keys land where Java clients would put them.
  const p = client.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...options });
  producers.push(p);
  return p;
}

interface Received {
  key: string;
  value: string;
  partition: number;
}

/** Reads the whole topic in a fresh group until `count` records arrived; fails after a timeout. */
async function consumeAll(count: number, readUncommitted = false): Promise<Received[]> {
  const consumer = client.consumer({ groupId: `smoke-${suffix}-${randomUUID().slice(0, 8)}`, readUncommitted });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: Received[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`received ${received.length} of ${count} records in ${CONSUME_TIMEOUT_MS} ms`)),
      CONSUME_TIMEOUT_MS,
    );
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          received.push({ key: String(message.key), value: String(message.value), partition });
          if (received.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return received;
}

before(async () => {
  admin = client.admin();
  await admin.connect();
});

after(async () => {
  for (const c of [...consumers, ...producers]) await c.disconnect().catch(() => undefined);
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

test('creates a topic with 6 partitions', async () => {
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  assert.equal(created, true);
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  assert.equal(metadata.topics[0]?.partitions.length, PARTITIONS);
});

const keyed = Array.from({ length: 60 }, (_, i) => ({ key: `ticket-${i % 10}`, value: `event-${i}` }));

test('keyed messages from an idempotent producer come back through a consumer group', async () => {
  const p = producer({ idempotent: true, maxInFlightRequests: 1 });
  await p.connect();
  await p.send({ topic, messages: keyed });

  const received = await consumeAll(keyed.length);
  assert.deepEqual(received.map((r) => r.value).sort(), keyed.map((m) => m.value).sort());

  const partitionOf = new Map<string, number>();
  for (const r of received) {
    assert.equal(partitionOf.get(r.key) ?? r.partition, r.partition, `${r.key} moved between partitions`);
    partitionOf.set(r.key, r.partition);
  }
  assert.ok(new Set(partitionOf.values()).size > 1, 'ten keys should spread over several partitions');
  for (const key of partitionOf.keys()) {
    const values = received.filter((r) => r.key === key).map((r) => r.value);
    const sent = keyed.filter((m) => m.key === key).map((m) => m.value);
    assert.deepEqual(values, sent, `per-key order of ${key}`);
  }
});

test('a committed transaction is visible to read-committed consumers, an aborted one is not', async () => {
  const p = producer({ transactionalId: `smoke-${suffix}`, idempotent: true, maxInFlightRequests: 1 });
  await p.connect();

  const aborted = await p.transaction();
  await aborted.send({ topic, messages: [{ key: 'txn', value: 'aborted' }] });
  await aborted.abort();

  const committed = await p.transaction();
  await committed.send({
    topic,
    messages: [
      { key: 'txn', value: 'committed-1' },
      { key: 'txn-2', value: 'committed-2' },
    ],
  });
  await committed.commit();

  // The topic already holds the previous test's records; only the transactional ones are compared.
  const committedView = await consumeAll(keyed.length + 2);
  const txnValues = committedView.filter((r) => r.key.startsWith('txn')).map((r) => r.value);
  assert.deepEqual(txnValues.sort(), ['committed-1', 'committed-2']);

  const uncommittedView = await consumeAll(keyed.length + 3, true);
  assert.ok(
    uncommittedView.some((r) => r.value === 'aborted'),
    'read-uncommitted should see the aborted record',
  );
});
