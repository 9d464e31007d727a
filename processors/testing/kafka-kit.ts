/**
 * Tools for tests and benchmarks that drive the runtime through real Kafka: throwaway topics with their
 * schemas registered, a producer of interactions, and a reader that collects what a stage wrote.
 */
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type IHeaders, type KafkaMessage } from 'kafkajs';
import { loadConfig, repoRoot } from '../../config/index.js';
import { eventCatalog, registerEventSchemas, type EventName, type InteractionReceived } from '../../schemas/index.js';
import { nodeCommand, type AppSpec } from '../../ops/stack/apps.js';
import { EventCodec } from '../runtime/codec.js';
import { createTopicsWithLeaders } from './topics.js';

export const config = loadConfig();
export const kafka = new Kafka({
  clientId: 'ticketflow-test',
  brokers: config.kafka.brokers,
  logLevel: logLevel.NOTHING,
});
export const codec = EventCodec.connect(config.schemaRegistry.url);

export interface TestTopics {
  prefix: string;
  names: string[];
  dispose(): Promise<void>;
}

/**
 * Creates topics `<prefix>.<suffix>` and registers `eventName` under each one's value subject; `compacted` makes
 * them compacted, like the topology's entity topics.
 */
export async function createTestTopics(
  suffixes: string[],
  eventName: EventName = 'InteractionReceived',
  partitions = 6,
  options: { compacted?: boolean } = {},
): Promise<TestTopics> {
  const prefix = `test.${randomUUID().slice(0, 8)}`;
  const names = suffixes.map((s) => `${prefix}.${s}`);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const configEntries = options.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [];
    await createTopicsWithLeaders(admin, names, partitions, configEntries);
  } finally {
    await admin.disconnect();
  }
  await registerEventSchemas(
    names.map((topic) => ({ topic, eventName })),
    eventCatalog(),
    { url: config.schemaRegistry.url, registry: codec.registry },
  );
  return {
    prefix,
    names,
    async dispose() {
      const a = kafka.admin();
      await a.connect();
      await a.deleteTopics({ topics: names }).catch(() => undefined);
      await a.disconnect();
    },
  };
}

export function interaction(orgId: string, conversationId: string, body: string): InteractionReceived {
  return {
    meta: {
      eventId: randomUUID(),
      orgId,
      conversationId,
      ticketId: `ticket-${conversationId}`,
      causationId: null,
      occurredAt: Date.now(),
      producer: { stage: 'test', version: '0' },
    },
    channel: 'CHAT',
    customer: { customerId: `cust-${conversationId}`, externalId: null },
    externalMessageId: null,
    subject: null,
    body,
    localeHint: null,
    attachments: [],
  };
}

/** Produces events keyed by org, in chunks, acknowledged by all replicas. */
export function produceInteractions(topic: string, events: InteractionReceived[], headers?: IHeaders): Promise<void> {
  return produceEvents(topic, events, headers);
}

/** Produces any events, keyed by org unless `keyOf` says otherwise, in chunks, acknowledged by all replicas. */
export async function produceEvents<E extends { meta: { orgId: string } }>(
  topic: string,
  events: readonly E[],
  headers?: IHeaders,
  keyOf: (event: E) => string = (e) => e.meta.orgId,
): Promise<void> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    for (let i = 0; i < events.length; i += 500) {
      const chunk = events.slice(i, i + 500);
      const values = await Promise.all(chunk.map((e) => codec.encode(topic, e)));
      await producer.send({
        topic,
        acks: -1,
        messages: chunk.map((e, j) => ({ key: keyOf(e), value: values[j]!, headers })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface Collected<T> {
  readonly records: Array<{ message: KafkaMessage; partition: number; event?: T }>;
  /** Resolves once `predicate` holds for the records so far; rejects after `timeoutMs`. */
  until(predicate: (records: Collected<T>['records']) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Commits a group's position at the current end of a topic, so that group reads only what is written from
 * now on: a long-lived shared topic's history is not the test's business.
 */
export async function startGroupAtEnd(groupId: string, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({
      groupId,
      topic,
      partitions: ends.map(({ partition, offset }) => ({ partition, offset })),
    });
  } finally {
    await admin.disconnect();
  }
}

export interface TopicEnds {
  readonly topic: string;
  readonly ends: ReadonlyArray<{ partition: number; low: string; high: string }>;
}

/** Where `topics` end now, to measure a group's progress against later. */
export function topicEnds(admin: Admin, topics: readonly string[]): Promise<TopicEnds[]> {
  return Promise.all(topics.map(async (topic) => ({ topic, ends: await admin.fetchTopicOffsets(topic) })));
}

/**
 * Records up to `ends` that a group has not committed yet. A partition the group never committed counts from
 * its low watermark, where a new group starts reading.
 */
export async function uncommitted(admin: Admin, groupId: string, ends: readonly TopicEnds[]): Promise<number> {
  const committed = await admin.fetchOffsets({ groupId, topics: ends.map((e) => e.topic) });
  let left = 0n;
  for (const { topic, ends: partitions } of ends) {
    const offsets = committed.find((c) => c.topic === topic)?.partitions ?? [];
    for (const { partition, low, high } of partitions) {
      const at = offsets.find((p) => p.partition === partition)?.offset ?? '-1';
      const from = BigInt(at === '-1' ? low : at);
      if (BigInt(high) > from) left += BigInt(high) - from;
    }
  }
  return Number(left);
}

/**
 * Reads a topic in a fresh group, from the beginning or, with `fromNow`, from its current end; decodes
 * values when a reader schema is given.
 */
export async function collect<T>(
  topic: string,
  readerEvent?: EventName,
  { fromNow = false }: { fromNow?: boolean } = {},
): Promise<Collected<T>> {
  const groupId = `collector.${randomUUID()}`;
  if (fromNow) await startGroupAtEnd(groupId, topic);
  const consumer: Consumer = kafka.consumer({ groupId, readUncommitted: false });
  const records: Collected<T>['records'] = [];
  const waiters: Array<() => void> = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      const event = readerEvent
        ? await codec.decode<T>(message.value, eventCatalog().get(readerEvent).schema)
        : undefined;
      records.push({ message, partition, event });
      waiters.splice(0).forEach((wake) => wake());
    },
  });
  return {
    records,
    async until(predicate, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const evaluatedAt = Date.now();
        if (predicate(records)) return;
        if (evaluatedAt > deadline)
          throw new Error(`condition not met within ${timeoutMs} ms (${records.length} records)`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
        // Records arrive one by one and predicates often walk all of them: evaluated on every arrival, a stream of
        // 30,000 records costs quadratic time, enough to starve the processes under test. At most every 50 ms.
        const since = Date.now() - evaluatedAt;
        if (since < 50) await new Promise((resolve) => setTimeout(resolve, 50 - since));
      }
    },
    stop: () => consumer.disconnect(),
  };
}

/**
 * A ticketflow process (ops/stack/apps.ts) as a child of a test or benchmark: quiet, on a probe port of its own,
 * keeping the end of its output for `onExit`, which is told how it ended.
 */
export function spawnApp(
  app: AppSpec,
  env: Record<string, string>,
  onExit: (error: Error, how: { code: number | null; signal: NodeJS.Signals | null }) => void,
): ChildProcess {
  const { command, args } = nodeCommand(repoRoot, app);
  const child = spawn(command, args, {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'warn', PROBE_PORT: '0', ...env },
  });
  let tail = '';
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000)));
  }
  child.once('exit', (code, signal) =>
    onExit(new Error(`${app.name} exited (${signal ?? code}):\n${tail}`), { code, signal }),
  );
  return child;
}

/** A pass-through stage in a child process, so tests can kill it like an operator or a crash would. */
export function spawnPassthrough(args: {
  input: string;
  output: string;
  deadLetter: string;
  group: string;
  transactional?: boolean;
  batch?: boolean;
  env?: Record<string, string>;
}): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'processors/passthrough/main.ts',
      '--input',
      args.input,
      '--output',
      args.output,
      '--dead-letter',
      args.deadLetter,
      '--group',
      args.group,
      ...(args.transactional ? ['--transactional'] : []),
      ...(args.batch ? ['--batch'] : []),
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn', ...args.env } },
  );
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
