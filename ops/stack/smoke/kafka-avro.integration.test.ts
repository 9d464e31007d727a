/**
 * The two halves together: Avro values encoded through the schema registry in Confluent's wire format,
 * carried by Kafka across several partitions and read back by a consumer group.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../../config/index.js';

const schema = {
  type: 'record',
  name: 'SmokeInteraction',
  namespace: 'io.ticketflow.smoke',
  fields: [
    { name: 'orgId', type: 'string' },
    { name: 'seq', type: 'int' },
    { name: 'body', type: 'string' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'score', type: ['null', 'double'], default: null },
  ],
};

test('Avro through the registry, over a 4-partition topic, into a consumer group: payloads equal', async () => {
  const config = loadConfig();
  const kafka = new Kafka({ clientId: 'smoke-avro', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
  const registry = new SchemaRegistry({ host: config.schemaRegistry.url });
  const topic = `smoke.avro.${randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: `${topic}.group` });
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject: `${topic}-value` },
    );
    const sent = Array.from({ length: 40 }, (_, seq) => ({
      orgId: `org-${seq % 5}`,
      seq,
      body: `message ${seq} ✓`,
      tags: seq % 2 ? ['odd'] : [],
      score: seq % 3 ? seq / 10 : null,
    }));
    const values = await Promise.all(sent.map((v) => registry.encode(id, v)));
    assert.equal(values[0]![0], 0, 'magic byte');
    assert.equal(values[0]!.readInt32BE(1), id, 'schema id after the magic byte');

    await producer.connect();
    await producer.send({ topic, acks: -1, messages: sent.map((v, i) => ({ key: v.orgId, value: values[i]! })) });

    const received: Array<{ partition: number; value: unknown }> = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`got ${received.length} of ${sent.length}`)), 30_000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          received.push({ partition, value: await registry.decode(message.value!) });
          if (received.length === sent.length) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    const bySeq = received.map((r) => ({ ...(r.value as { seq: number }) })).sort((a, b) => a.seq - b.seq);
    assert.deepEqual(bySeq, sent);
    assert.ok(new Set(received.map((r) => r.partition)).size > 1, 'keys spread over partitions');
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await fetch(`${config.schemaRegistry.url}/subjects/${topic}-value`, { method: 'DELETE' }).catch(() => undefined);
  }
});
