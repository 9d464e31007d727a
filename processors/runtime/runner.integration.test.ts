/**
 * The runtime's guarantees, proven against the real broker and registry: every event handled once after
 * deduplication, order kept per conversation, poison events dead-lettered with their reasons while the rest
 * flows, and no loss across kill -9, SIGTERM or transactions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Partitioners } from 'kafkajs';
import { pino } from 'pino';
import { eventCatalog, registerEventSchemas, type InteractionReceived } from '../../schemas/index.js';
import { passthroughStage } from '../passthrough/stage.js';
import { PermanentError } from './errors.js';
import { HEADER, headerString } from './headers.js';
import { deriveEventId } from './ids.js';
import { startStages } from './main.js';
import { createProcessMetrics } from './metrics.js';
import { StageRunner, type RunnerOptions } from './runner.js';
import { failed, type AnyStage, type BatchStage, type Stage } from './stage.js';
import { explicitWiring } from './wiring.js';
import {
  codec,
  collect,
  config,
  createTestTopics,
  exited,
  interaction,
  kafka,
  produceInteractions,
  spawnPassthrough,
  type TestTopics,
} from '../testing/kafka-kit.js';
import { createTopicsWithLeaders } from '../testing/topics.js';

const quiet = { ...config, logLevel: 'silent' as const };

/** A stage in this process on throwaway topics carrying interactions. */
function startStage(
  stage: AnyStage,
  topics: { groupId: string; inputTopics: string[]; outputTopic: string; deadLetterTopic: string },
  options: Partial<RunnerOptions> = {},
) {
  const wiring = explicitWiring({ ...topics, event: 'InteractionReceived' });
  return startStages([{ stage, wiring, options }], { config: quiet });
}
const orgs = Array.from({ length: 12 }, (_, i) => `org-${String.fromCharCode(97 + i)}`);

function workload(count: number, conversations = 50): InteractionReceived[] {
  return Array.from({ length: count }, (_, i) =>
    interaction(orgs[i % orgs.length]!, `conv-${i % conversations}`, `message ${Math.floor(i / conversations)}`),
  );
}

const expectedIds = (events: InteractionReceived[], stage = 'passthrough') =>
  new Set(events.map((e) => deriveEventId(e.meta.eventId, stage, 0)));

const distinctIds = (records: Array<{ event?: InteractionReceived }>) =>
  new Set(records.map((r) => r.event!.meta.eventId));

/**
 * Runs a pass-through process over `events` until `stopAfter` outputs arrived, stops it with `signal`, then
 * lets a fresh process finish the work. Resolves with everything read downstream.
 */
async function interruptedRun(options: {
  topics: [string, string, string];
  events: InteractionReceived[];
  signal: 'SIGKILL' | 'SIGTERM';
  stopAfter: number;
  transactional?: boolean;
  batch?: boolean;
}) {
  const [input, output, deadLetter] = options.topics;
  await produceInteractions(input, options.events);
  const out = await collect<InteractionReceived>(output, 'InteractionReceived');
  const { transactional, batch } = options;
  const wiring = { input, output, deadLetter, group: `${input}.group`, transactional, batch };
  const first = spawnPassthrough(wiring);
  try {
    await out.until((r) => r.length >= options.stopAfter, 90_000);
    first.kill(options.signal);
    const firstExit = await exited(first);
    const deliveredBeforeStop = out.records.length;
    const second = spawnPassthrough(wiring);
    try {
      await out.until((r) => distinctIds(r).size >= options.events.length, 120_000);
      // Give a duplicate, if any, the time to show up before anyone counts.
      await new Promise((resolve) => setTimeout(resolve, 3000));
    } finally {
      second.kill('SIGTERM');
      await exited(second);
    }
    return { records: out.records, firstExit, deliveredBeforeStop };
  } finally {
    first.kill('SIGKILL');
    await out.stop();
  }
}

describe('runtime on real Kafka', () => {
  let topics: TestTopics;
  before(async () => {
    topics = await createTestTopics([
      'in',
      'out',
      'dlq',
      'in2',
      'out2',
      'dlq2',
      'in3',
      'out3',
      'dlq3',
      'in4',
      'out4',
      'dlq4',
    ]);
  });
  after(() => topics.dispose());

  test('each event comes out once, in order per conversation, with its correlation id and derived envelope', async () => {
    const [input, output, dlq] = topics.names as [string, string, string];
    const events = workload(2000);
    await produceInteractions(input, events, { [HEADER.correlationId]: 'corr-42' });
    const out = await collect<InteractionReceived>(output, 'InteractionReceived');
    const stage = await startStage(passthroughStage(), {
      groupId: `${input}.group`,
      inputTopics: [input],
      outputTopic: output,
      deadLetterTopic: dlq,
    });
    try {
      await out.until((r) => r.length >= events.length);
      assert.deepEqual(distinctIds(out.records), expectedIds(events));
      assert.equal(out.records.length, events.length, 'no duplicates without a crash');

      const byId = new Map(events.map((e) => [e.meta.eventId, e]));
      const seen = new Map<string, number>();
      for (const { event, message } of out.records) {
        const source = byId.get(event!.meta.causationId!)!;
        assert.equal(event!.body, source.body);
        assert.equal(event!.meta.orgId, source.meta.orgId);
        assert.equal(message.key?.toString(), source.meta.orgId);
        assert.equal(event!.meta.producer.stage, 'passthrough');
        assert.equal(headerString(message.headers, HEADER.correlationId), 'corr-42');
        const conversation = `${event!.meta.orgId}/${event!.meta.conversationId}`;
        const sequence = Number(event!.body.split(' ')[1]);
        assert.ok(sequence > (seen.get(conversation) ?? -1), `order kept in ${conversation}`);
        seen.set(conversation, sequence);
      }

      const metrics = await (await fetch(`${stage.probeUrl}/metrics`)).text();
      const labels = (topic: string) => `stage="passthrough",group="${input}.group",topic="${topic}"`;
      assert.ok(metrics.includes(`ticketflow_events_consumed_total{${labels(input)},instance=`), metrics);
      assert.match(metrics, new RegExp(`ticketflow_events_consumed_total\\{[^}]*topic="${input}"[^}]*\\} 2000\n`));
      assert.match(metrics, new RegExp(`ticketflow_events_produced_total\\{[^}]*topic="${output}"[^}]*\\} 2000\n`));
      assert.match(metrics, /ticketflow_batch_duration_seconds_bucket\{/);
      assert.match(metrics, /ticketflow_batch_size_bucket\{/);
      assert.match(metrics, /ticketflow_consumer_lag\{/);
      assert.match(metrics, /ticketflow_ready\{[^}]*\} 1\n/);
      const ready = await fetch(`${stage.probeUrl}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { ready: true, reasons: [] });
      assert.equal((await fetch(`${stage.probeUrl}/healthz`)).status, 200);
    } finally {
      await stage.stop();
      await out.stop();
    }
  });

  test('poison events go to the dead-letter topic with their reasons; retried failures and healthy events flow', async () => {
    const [input, output, dlq] = topics.names.slice(3, 6) as [string, string, string];
    const healthy = workload(300);
    const exploding = interaction('org-a', 'conv-x', 'explode');
    const flaky = interaction('org-b', 'conv-y', 'flaky');
    const rejected = interaction('org-c', 'conv-z', 'reject');
    await produceInteractions(input, [...healthy.slice(0, 150), exploding, flaky, rejected, ...healthy.slice(150)]);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const unknownSchemaId = Buffer.from([0, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3]);
    await producer.send({
      topic: input,
      acks: -1,
      messages: [
        { key: 'org-a', value: Buffer.from('{"not":"avro"}') },
        { key: 'org-b', value: unknownSchemaId },
        { key: 'org-c', value: (await codec.encode(input, healthy[0]!)).subarray(0, 12) },
      ],
    });
    await producer.disconnect();

    const attempts = new Map<string, number>();
    const base = passthroughStage();
    const troubled: Stage<InteractionReceived, InteractionReceived> = {
      ...base,
      handle(event, context) {
        attempts.set(event.body, (attempts.get(event.body) ?? 0) + 1);
        if (event.body === 'explode') throw new Error('downstream keeps failing');
        if (event.body === 'flaky' && context.attempt < 3) throw new Error('temporarily unavailable');
        if (event.body === 'reject') throw new PermanentError('body is not supported');
        return base.handle(event, context);
      },
    };
    const stage = await startStage(
      troubled,
      { groupId: `${input}.group`, inputTopics: [input], outputTopic: output, deadLetterTopic: dlq },
      { maxAttempts: 4, backoff: { initialMs: 10, maxMs: 50, multiplier: 2 } },
    );
    const out = await collect<InteractionReceived>(output, 'InteractionReceived');
    const dead = await collect(dlq);
    try {
      await out.until((r) => r.length >= healthy.length + 1);
      await dead.until((r) => r.length >= 5);
      assert.deepEqual(distinctIds(out.records), expectedIds([...healthy, flaky]));
      assert.equal(attempts.get('explode'), 4);
      assert.equal(attempts.get('flaky'), 3);
      assert.equal(attempts.get('reject'), 1);

      const reasons = dead.records.map(({ message }) => ({
        errorClass: headerString(message.headers, HEADER.errorClass),
        message: headerString(message.headers, HEADER.errorMessage),
        attempts: headerString(message.headers, HEADER.attempts),
        stage: headerString(message.headers, HEADER.stage),
        topic: headerString(message.headers, HEADER.originalTopic),
        offset: headerString(message.headers, HEADER.originalOffset),
        partition: headerString(message.headers, HEADER.originalPartition),
      }));
      assert.equal(reasons.length, 5);
      for (const r of reasons) {
        assert.equal(r.stage, 'passthrough');
        assert.equal(r.topic, input);
        assert.match(r.offset ?? '', /^\d+$/);
        assert.match(r.partition ?? '', /^\d+$/);
      }
      const byClass = reasons.map((r) => `${r.errorClass}:${r.attempts}`).sort();
      assert.deepEqual(byClass, [
        'Error:4',
        'PermanentError:1',
        'PoisonEventError:0',
        'PoisonEventError:0',
        'PoisonEventError:0',
      ]);
      assert.ok(reasons.some((r) => /missing magic byte/.test(r.message ?? '')));
      assert.ok(reasons.some((r) => r.message === 'downstream keeps failing'));
      const original = dead.records.find((r) => r.message.value?.toString() === '{"not":"avro"}');
      assert.equal(original?.message.key?.toString(), 'org-a', 'dead letter keeps the original key and bytes');
    } finally {
      await stage.stop();
      await Promise.all([out.stop(), dead.stop()]);
    }
  });

  test('kill -9 of a batch handler mid-batch and restart: nothing lost; duplicates only of delivered ids', async () => {
    const events = workload(10_000, 200);
    const run = await interruptedRun({
      topics: topics.names.slice(6, 9) as [string, string, string],
      events,
      signal: 'SIGKILL',
      stopAfter: 2000,
      batch: true,
    });
    assert.ok(run.deliveredBeforeStop < events.length, `killed mid-load (${run.deliveredBeforeStop} delivered)`);
    assert.deepEqual(distinctIds(run.records), expectedIds(events));
  });

  test('SIGTERM mid-load: a clean leave, and after a restart nothing is lost or duplicated', async () => {
    const events = workload(30_000, 600);
    const run = await interruptedRun({
      topics: topics.names.slice(9, 12) as [string, string, string],
      events,
      signal: 'SIGTERM',
      stopAfter: 500,
    });
    assert.equal(run.firstExit, 0, 'exits 0 within the shutdown deadline');
    assert.ok(run.deliveredBeforeStop < events.length, 'stopped mid-load');
    assert.deepEqual(distinctIds(run.records), expectedIds(events));
    assert.equal(run.records.length, events.length, 'no event delivered twice');
  });
});

describe('the batch contract on real Kafka', () => {
  let topics: TestTopics;
  before(async () => {
    topics = await createTestTopics(['in', 'out', 'dlq']);
  });
  after(() => topics.dispose());

  test('in one batch: poison inputs are dead-lettered, a flaky one retried, every conversation kept in order', async () => {
    const [input, output, dlq] = topics.names as [string, string, string];
    // Twenty conversations of one org share a partition, and so the batches the handler gets.
    const events = Array.from({ length: 2000 }, (_, i) => interaction('org-hot', `conv-${i % 20}`, `seq ${i}`));
    const flaky = events[500]!;
    const poisons = [events[700]!, events[1300]!];
    const poisonIds = new Set(poisons.map((p) => p.meta.eventId));
    const attempts = new Map<string, number>();
    const batchSizes: number[] = [];
    const stage: BatchStage<InteractionReceived, InteractionReceived> = {
      name: 'batcher',
      version: '1.0.0',
      consumes: ['InteractionReceived'],
      emits: 'InteractionReceived',
      async handleBatch(items) {
        batchSizes.push(items.length);
        return items.map(({ event, context }) => {
          attempts.set(event.meta.eventId, context.attempt);
          // Decoded from Kafka, so a copy of what was produced: told apart by id.
          if (poisonIds.has(event.meta.eventId)) return failed(new PermanentError(`poison ${event.body}`));
          if (event.meta.eventId === flaky.meta.eventId && context.attempt < 3) return failed(new Error('flaky'));
          return [{ ...event, meta: context.derive() }];
        });
      },
    };
    await produceInteractions(input, events);
    const out = await collect<InteractionReceived>(output, 'InteractionReceived');
    const dead = await collect(dlq);
    const running = await startStage(
      stage,
      { groupId: `${input}.group`, inputTopics: [input], outputTopic: output, deadLetterTopic: dlq },
      { maxAttempts: 5, backoff: { initialMs: 10, maxMs: 20, multiplier: 2 } },
    );
    try {
      await out.until((r) => distinctIds(r).size >= events.length - poisons.length);
      await dead.until((r) => r.length >= 2);
      assert.ok(Math.max(...batchSizes) > 100, `the handler got whole batches (largest ${Math.max(...batchSizes)})`);
      assert.equal(attempts.get(flaky.meta.eventId), 3);
      assert.deepEqual(
        distinctIds(out.records),
        expectedIds(
          events.filter((e) => !poisonIds.has(e.meta.eventId)),
          'batcher',
        ),
      );
      // Every conversation's outputs arrive in the order its inputs were produced, the flaky one's included.
      const seen = new Map<string, number[]>();
      for (const { event } of out.records) {
        const sequence = Number(event!.body.split(' ')[1]);
        seen.set(event!.meta.conversationId, [...(seen.get(event!.meta.conversationId) ?? []), sequence]);
      }
      for (const [conversation, sequences] of seen) {
        assert.deepEqual(
          sequences,
          [...sequences].sort((a, b) => a - b),
          `${conversation} out of order`,
        );
      }
      const reasons = dead.records.map((r) => headerString(r.message.headers, HEADER.errorMessage)).sort();
      assert.deepEqual(reasons, ['poison seq 1300', 'poison seq 700']);
    } finally {
      await running.stop();
      await Promise.all([out.stop(), dead.stop()]);
    }
  });
});

describe('runtime with Kafka transactions', () => {
  let topics: TestTopics;
  before(async () => {
    topics = await createTestTopics(['in', 'out', 'dlq']);
  });
  after(() => topics.dispose());

  test('kill -9 mid-load and restart: read-committed consumers see every event exactly once', async () => {
    const events = workload(10_000, 200);
    const run = await interruptedRun({
      topics: topics.names as [string, string, string],
      events,
      signal: 'SIGKILL',
      stopAfter: 1000,
      transactional: true,
      batch: true,
    });
    assert.ok(run.deliveredBeforeStop < events.length, 'killed mid-load');
    assert.deepEqual(distinctIds(run.records), expectedIds(events));
    assert.equal(run.records.length, events.length, 'aborted transactions stay invisible');
  });
});

describe('runtime under rebalances and backpressure', () => {
  let topics: TestTopics;
  before(async () => {
    topics = await createTestTopics(['in', 'out', 'dlq', 'in2', 'dlq2', 'in3', 'out3', 'dlq3']);
  });
  after(() => topics.dispose());

  test('a second instance joining mid-load takes over partitions without loss', async () => {
    const [input, output, dlq] = topics.names as [string, string, string];
    const events = workload(20_000, 400);
    await produceInteractions(input, events);
    const out = await collect<InteractionReceived>(output, 'InteractionReceived');
    const wiring = { input, output, deadLetter: dlq, group: `${input}.group` };
    const first = spawnPassthrough(wiring);
    let second: ReturnType<typeof spawnPassthrough> | undefined;
    try {
      await out.until((r) => r.length >= 1000, 90_000);
      second = spawnPassthrough(wiring);
      await out.until((r) => distinctIds(r).size >= events.length, 180_000);
      assert.deepEqual(distinctIds(out.records), expectedIds(events));
    } finally {
      first.kill('SIGTERM');
      second?.kill('SIGTERM');
      await Promise.all([exited(first), second ? exited(second) : undefined]);
      await out.stop();
    }
  });

  test('an output the broker cannot take holds the stage still; once it can, everything flows', async () => {
    const [, , , input, dlq] = topics.names as [string, string, string, string, string];
    const output = `${topics.prefix}.late-output`;
    const events = workload(500);
    await produceInteractions(input, events);
    await registerEventSchemas([{ topic: output, eventName: 'InteractionReceived' }], eventCatalog(), {
      url: config.schemaRegistry.url,
    });
    const stage = await startStage(
      passthroughStage(),
      { groupId: `${input}.group`, inputTopics: [input], outputTopic: output, deadLetterTopic: dlq },
      { backoff: { initialMs: 50, maxMs: 500, multiplier: 2 } },
    );
    const admin = kafka.admin();
    await admin.connect();
    try {
      // Nothing can be produced while the output topic is missing: no commit may happen either.
      await new Promise((resolve) => setTimeout(resolve, 4000));
      const held = await admin.fetchOffsets({ groupId: `${input}.group`, topics: [input] });
      assert.ok(
        held[0]!.partitions.every((p) => p.offset === '-1'),
        `nothing committed while outputs fail: ${JSON.stringify(held[0]!.partitions)}`,
      );
      const metrics = await (await fetch(`${stage.probeUrl}/metrics`)).text();
      assert.doesNotMatch(metrics, /ticketflow_events_dead_lettered_total\{[^}]*\} [1-9]/, 'not dead-lettered');

      await createTopicsWithLeaders(admin, [output], 6);
      const out = await collect<InteractionReceived>(output, 'InteractionReceived');
      try {
        await out.until((r) => distinctIds(r).size >= events.length, 120_000);
        assert.deepEqual(distinctIds(out.records), expectedIds(events));
      } finally {
        await out.stop();
      }
    } finally {
      await stage.stop();
      await admin.deleteTopics({ topics: [output] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  test('a consumer kafkajs left stopped outside its group is replaced, and the stage goes on', async () => {
    const [input, output, dlq] = topics.names.slice(5, 8) as [string, string, string];
    const wiring = explicitWiring({
      groupId: `${input}.group`,
      inputTopics: [input],
      outputTopic: output,
      deadLetterTopic: dlq,
      event: 'InteractionReceived',
    });
    const runner = new StageRunner(
      kafka,
      codec,
      passthroughStage(),
      wiring,
      pino({ level: 'silent' }),
      createProcessMetrics('stranded'),
      {
        strandedAfterMs: 2000,
      },
    );
    await runner.start();
    const out = await collect<InteractionReceived>(output, 'InteractionReceived');
    try {
      const before = workload(50);
      await produceInteractions(input, before);
      await out.until((r) => distinctIds(r).size >= before.length, 60_000);
      // What kafkajs does after a crash it will not restart from: the consumer is disconnected, and nothing
      // brings it back.
      await (runner as unknown as { consumer: { disconnect(): Promise<void> } }).consumer.disconnect();
      assert.equal(runner.ready(), false);
      const after = workload(50);
      await produceInteractions(input, after);
      await out.until((r) => distinctIds(r).size >= before.length + after.length, 60_000);
      assert.deepEqual(distinctIds(out.records), new Set([...expectedIds(before), ...expectedIds(after)]));
      assert.equal(runner.ready(), true);
    } finally {
      await out.stop();
      await runner.stop();
    }
  });
});
