/**
 * `ticketflow dlq` on a throwaway dead-letter topic holding records with the runtime's failure headers: list
 * counts and filters them, show decodes one with the schema registry (and says why another does not decode),
 * redrive re-produces the selected ones to their original topic exactly once and refuses those at the redrive
 * limit, and purge deletes by age with deleteRecords.
 */
import assert from 'node:assert/strict';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { after, before, test } from 'node:test';
import type { IHeaders } from 'kafkajs';
import { HEADER } from '../../processors/runtime/headers.js';
import { eventCatalog, registerEventSchemas, type InteractionReceived } from '../../schemas/index.js';
import { REDRIVE_COUNT_HEADER, redriveGroup } from './dead-letters.js';
import { withPartitionReader, type ReadRecord } from './partition-reader.js';
import { cleanUp, config, kafka, ticketflow, ticketflowHere, uniqueName } from './test-support.js';
import { createTopicsWithLeaders } from '../../processors/testing/topics.js';

const dlq = uniqueName('tftest-dlq');
const original = uniqueName('tftest-dlq-origin');
const registry = new SchemaRegistry({ host: config.schemaRegistry.url });
const now = Date.now();
const twoHoursAgo = now - 2 * 3_600_000;

function event(body: string): InteractionReceived {
  return {
    meta: {
      eventId: `evt-${body.length}-${Math.random()}`,
      orgId: 'org-dlq',
      conversationId: 'conv-1',
      ticketId: 'ticket-1',
      causationId: null,
      occurredAt: now,
      producer: { stage: 'test', version: '0' },
    },
    channel: 'CHAT',
    customer: { customerId: 'cust-1', externalId: null },
    externalMessageId: null,
    subject: null,
    body,
    localeHint: null,
    attachments: [],
  };
}

function failure(stage: string, errorClass: string, failedAt: number, extra: IHeaders = {}): IHeaders {
  return {
    'tf-correlation-id': 'corr-1',
    [HEADER.errorClass]: errorClass,
    [HEADER.errorMessage]: `${errorClass} in ${stage}`,
    [HEADER.stage]: stage,
    [HEADER.originalTopic]: original,
    [HEADER.originalPartition]: '0',
    [HEADER.originalOffset]: '17',
    [HEADER.attempts]: '5',
    [HEADER.failedAt]: new Date(failedAt).toISOString(),
    ...extra,
  };
}

/** Coordinates of what was written, by label. */
const written = new Map<string, { partition: number; offset: number; value: Buffer }>();
let encoded: Buffer;

before(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsWithLeaders(admin, [dlq, original], 3);
  await admin.disconnect();
  const [registered] = await registerEventSchemas(
    [{ topic: original, eventName: 'InteractionReceived' }],
    eventCatalog(),
    { url: config.schemaRegistry.url, registry },
  );
  encoded = await registry.encode(registered!.id, event('my card is lost'));
  const garbage = Buffer.from('not avro at all');
  // Oldest first, so purge has a prefix to delete on partitions 0 and 1.
  const records: Array<[string, number, Buffer, IHeaders, number]> = [
    ['old-0', 0, encoded, failure('enrich', 'PoisonEventError', twoHoursAgo), twoHoursAgo],
    ['old-1', 1, encoded, failure('enrich', 'PoisonEventError', twoHoursAgo), twoHoursAgo],
    ...[0, 1, 2, 0].map((p, i): [string, number, Buffer, IHeaders, number] => [
      `poison-${i}`,
      p,
      encoded,
      failure('enrich', 'PoisonEventError', now),
      now,
    ]),
    ...[1, 2, 0].map((p, i): [string, number, Buffer, IHeaders, number] => [
      `transient-${i}`,
      p,
      garbage,
      failure('classify', 'TransientError', now),
      now,
    ]),
    ['at-limit', 2, garbage, failure('classify', 'TransientError', now, { [REDRIVE_COUNT_HEADER]: '3' }), now],
  ];
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (const [label, partition, value, headers, timestamp] of records) {
    const [meta] = await producer.send({
      topic: dlq,
      acks: -1,
      messages: [{ partition, key: 'org-dlq', value, headers, timestamp: String(timestamp) }],
    });
    written.set(label, { partition, offset: Number(meta!.baseOffset), value });
  }
  await producer.disconnect();
});

after(() => cleanUp([dlq, original], [redriveGroup('tf', dlq)]));

/** Most calls run in this process; a few go through bin/ticketflow.js as a user's would. */
async function json<T>(args: string[]): Promise<T> {
  const { code, stdout, stderr } = await ticketflowHere([...args, '--json']);
  assert.equal(code, 0, `${args.join(' ')}: ${stderr}`);
  return JSON.parse(stdout) as T;
}

interface ListResult {
  total: number;
  counts: Array<{ stage: string; errorClass: string; count: number }>;
  sample: Array<{ offset: number; partition: number }>;
}

async function readOriginal(): Promise<ReadRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(original);
  await admin.disconnect();
  const records: ReadRecord[] = [];
  const ranges = ends.map((e) => ({ topic: original, partition: e.partition, from: 0, to: Number(e.high) }));
  if (ranges.every((r) => r.to === 0)) return records;
  await withPartitionReader(kafka, [original], (reader) => reader.read(ranges, (r) => void records.push(r)));
  return records;
}

test('dlq list counts per stage and error class, filtered by stage, error class and --since', async () => {
  const all = await json<ListResult>(['dlq', 'list', '--topic', dlq, '--sample', '3']);
  assert.equal(all.total, 10);
  assert.deepEqual(
    all.counts.map((c) => [c.stage, c.errorClass, c.count]),
    [
      ['enrich', 'PoisonEventError', 6],
      ['classify', 'TransientError', 4],
    ],
  );
  assert.equal(all.sample.length, 3);
  assert.equal((await json<ListResult>(['dlq', 'list', '--topic', dlq, '--since', 'PT1H'])).total, 8);
  assert.equal((await json<ListResult>(['dlq', 'list', '--topic', dlq, '--stage', 'classify'])).total, 4);
  const recentPoison = await json<ListResult>([
    'dlq',
    'list',
    '--topic',
    dlq,
    '--error-class',
    'PoisonEventError',
    '--since',
    new Date(now - 60_000).toISOString(),
  ]);
  assert.equal(recentPoison.total, 4);
});

test('dlq show prints the failure and decodes the event where it still decodes', async () => {
  const poison = written.get('poison-1')!;
  const shown = await json<{
    errorClass: string;
    stage: string;
    originalTopic: string;
    attempts: number;
    headers: Record<string, string>;
    decoded: { eventType: string; event: { body: string }; error: null };
  }>(['dlq', 'show', `${dlq}:${poison.partition}:${poison.offset}`]);
  assert.equal(shown.errorClass, 'PoisonEventError');
  assert.equal(shown.stage, 'enrich');
  assert.equal(shown.originalTopic, original);
  assert.equal(shown.attempts, 5);
  assert.equal(shown.headers['tf-correlation-id'], 'corr-1');
  assert.equal(shown.decoded.eventType, 'io.ticketflow.events.InteractionReceived');
  assert.equal(shown.decoded.event.body, 'my card is lost');

  const garbage = written.get('transient-0')!;
  const text = await ticketflow(['dlq', 'show', `${dlq}:${garbage.partition}:${garbage.offset}`]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /error\s+TransientError: TransientError in classify/);
  assert.match(text.stdout, /does not decode: not in the Confluent Avro wire format/);

  for (const [args, message] of [
    [['dlq', 'show', `${dlq}:0:999`], /no record at .*holds offsets 0 to/],
    [['dlq', 'show', 'not-coordinates'], /must be topic:partition:offset/],
    [['dlq', 'show', `${dlq}:9:0`], /has no partition 9/],
    [['dlq', 'list', '--since', 'yesterday'], /ISO-8601/],
  ] as Array<[string[], RegExp]>) {
    const { code, stderr } = await ticketflowHere(args);
    assert.equal(code, 2, stderr);
    assert.match(stderr, message);
  }
});

test('dlq redrive re-produces the selected records once, with tf-redrive-count, and refuses those at the limit', async () => {
  const recentEnrich = ['dlq', 'redrive', '--topic', dlq, '--stage', 'enrich', '--since', 'PT1H', '--rate', '1000'];
  const plan = await json<{ records: Array<{ record: string; to: string }> }>([...recentEnrich, '--dry-run']);
  assert.equal(plan.records.length, 4);
  assert.equal((await readOriginal()).length, 0, 'a dry run produces nothing');

  const first = await json<{ topics: Array<{ redriven: number }> }>(recentEnrich);
  assert.equal(first.topics[0]!.redriven, 4);
  let copies = await readOriginal();
  assert.equal(copies.length, 4);
  for (const copy of copies) {
    assert.equal(copy.key?.toString(), 'org-dlq');
    assert.deepEqual(copy.value, encoded);
    assert.equal(copy.headers[REDRIVE_COUNT_HEADER]?.toString(), '1');
    assert.equal(copy.headers['tf-correlation-id']?.toString(), 'corr-1');
  }

  const again = await json<{ topics: Array<{ redriven: number }> }>(recentEnrich);
  assert.equal(again.topics[0]!.redriven, 0, 'a second redrive repeats nothing');

  const rest = await json<{ topics: Array<{ redriven: number; refusedLimit: number }> }>([
    'dlq',
    'redrive',
    '--topic',
    dlq,
    '--rate',
    '1000',
  ]);
  assert.equal(rest.topics[0]!.redriven, 5, 'the two old enrich records and three transient ones');
  assert.equal(rest.topics[0]!.refusedLimit, 1);
  copies = await readOriginal();
  assert.equal(copies.length, 9);
  const last = await json<{ topics: Array<{ redriven: number; refusedLimit: number }> }>([
    'dlq',
    'redrive',
    '--topic',
    dlq,
  ]);
  assert.equal(last.topics[0]!.redriven, 0);
  assert.equal(last.topics[0]!.refusedLimit, 1, 'the record at the limit is refused every time, never looped');
});

test('dlq purge deletes every record before the first one at or after --before, per partition', async () => {
  const dry = await json<{ deleted: number }>(['dlq', 'purge', '--topic', dlq, '--before', 'PT1H', '--dry-run']);
  assert.equal(dry.deleted, 2);
  assert.equal((await json<ListResult>(['dlq', 'list', '--topic', dlq])).total, 10, 'a dry run deletes nothing');

  const purged = await json<{ deleted: number; partitions: Array<{ partition: number; newLogStart: number }> }>([
    'dlq',
    'purge',
    '--topic',
    dlq,
    '--before',
    'PT1H',
  ]);
  assert.equal(purged.deleted, 2);
  assert.deepEqual(
    purged.partitions.map((p) => [p.partition, p.newLogStart]),
    [
      [0, 1],
      [1, 1],
    ],
  );
  assert.equal((await json<ListResult>(['dlq', 'list', '--topic', dlq])).total, 8);

  const future = await ticketflow([
    'dlq',
    'purge',
    '--topic',
    dlq,
    '--before',
    new Date(now + 3_600_000).toISOString(),
  ]);
  assert.equal(future.code, 2);
  assert.match(future.stderr, /in the future/);
});
