import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventCodec } from '../../processors/runtime/codec.js';
import { OutputSchemaError } from '../../processors/runtime/errors.js';
import { sampleEvents } from '../../schemas/fixtures.js';
import { HttpError } from './errors.js';
import { GroupCommit, type OutgoingRecord } from './group-commit.js';
import { classifyKafkaError } from './kafka-sender.js';
import { KafkaInteractionWriter } from './writer.js';

const event = sampleEvents.InteractionReceived;
const codec = (encode: () => Promise<Buffer>) => ({ encode }) as unknown as EventCodec;
const fine = codec(async () => Buffer.from([0, 0, 0, 0, 1, 42]));
const options = { timeoutMs: 200, maxBatchBytes: 1_000_000, maxOutstandingRecords: 1000 };

async function statusOf(promise: Promise<void>): Promise<number | string> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    return error instanceof HttpError ? error.status : (error as Error).name;
  }
}

test('records are keyed by org and carry the correlation id header', async () => {
  const sent: OutgoingRecord[] = [];
  const writer = new KafkaInteractionWriter(fine, 'topic', new GroupCommit(async (r) => void sent.push(...r), options));
  await writer.write('acme', [event, event], 'corr-9');
  assert.deepEqual(
    sent.map((r) => [r.key, r.headers['tf-correlation-id']]),
    [
      ['acme', 'corr-9'],
      ['acme', 'corr-9'],
    ],
  );
});

test('an org spread over partitions is keyed by org and conversation', async () => {
  const sent: OutgoingRecord[] = [];
  const writer = new KafkaInteractionWriter(fine, 'topic', new GroupCommit(async (r) => void sent.push(...r), options));
  const other = { ...event, meta: { ...event.meta, conversationId: 'conv-2' } };
  await writer.write('acme', [event, other], 'corr-9', 'conversation');
  assert.deepEqual(
    sent.map((r) => r.key),
    [`acme:${event.meta.conversationId}`, 'acme:conv-2'],
  );
});

test('a producer that throws or hangs is a 503; a record Kafka calls too large is a 413', async () => {
  const throwing = new KafkaInteractionWriter(
    fine,
    'topic',
    new GroupCommit(async () => Promise.reject(new Error('broker down')), options, classifyKafkaError),
  );
  assert.equal(await statusOf(throwing.write('acme', [event], 'c')), 503);
  const hanging = new KafkaInteractionWriter(
    fine,
    'topic',
    new GroupCommit(() => new Promise(() => undefined), options),
  );
  assert.equal(await statusOf(hanging.write('acme', [event], 'c')), 503);
  const tooLarge = Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' });
  const refusing = new KafkaInteractionWriter(
    fine,
    'topic',
    new GroupCommit(async () => Promise.reject(tooLarge), options, classifyKafkaError),
  );
  assert.equal(await statusOf(refusing.write('acme', [event], 'c')), 413);
});

test('an unreachable registry is a 503; an event that does not fit its schema is our bug, not a 4xx', async () => {
  const commit = new GroupCommit(async () => undefined, options);
  const down = codec(async () =>
    Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
  );
  assert.equal(await statusOf(new KafkaInteractionWriter(down, 'topic', commit).write('acme', [event], 'c')), 503);
  const misfit = codec(async () => Promise.reject(new OutputSchemaError('bad')));
  assert.equal(
    await statusOf(new KafkaInteractionWriter(misfit, 'topic', commit).write('acme', [event], 'c')),
    'OutputSchemaError',
  );
});

test('classifyKafkaError looks through causes for the broker refusing the size', () => {
  assert.equal(classifyKafkaError(new Error('x')), 'failed');
  assert.equal(classifyKafkaError({ cause: { type: 'RECORD_LIST_TOO_LARGE' } }), 'too-large');
});
