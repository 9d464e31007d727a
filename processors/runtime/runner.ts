/**
 * The one Kafka runtime every processor runs on. For each fetched batch it decodes, handles events
 * concurrently by conversation (in order within one), produces outputs and dead letters, waits for the
 * broker to acknowledge them, and only then commits the input offsets: at-least-once delivery whose
 * duplicates carry the same event ids, or exactly-once through a Kafka transaction when asked.
 */
import {
  Partitioners,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type Kafka,
  type KafkaMessage,
  type Message,
  type Producer,
  type TopicMessages,
} from 'kafkajs';
import pLimit from 'p-limit';
import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, defaultBackoff, type BackoffPolicy } from './backoff.js';
import type { EventCodec } from './codec.js';
import { describeError, isPermanent, OutputSchemaError } from './errors.js';
import { HEADER, headerString } from './headers.js';
import { deriveEventId } from './ids.js';
import { Lanes } from './lanes.js';
import { splitIntoRequests } from './requests.js';
import type { ProcessorMetrics } from './metrics.js';
import type { RecordSchema } from '../../schemas/index.js';
import type { Envelope, EventMeta, Stage, StageContext } from './stage.js';

/** Kept under the broker's default `message.max.bytes` (1 MiB) with room for batch overhead. */
const MAX_REQUEST_BYTES = 512 * 1024;
/** One event must fit in a request on its own. */
const MAX_EVENT_BYTES = MAX_REQUEST_BYTES;

export interface StageWiring {
  readonly groupId: string;
  readonly inputTopics: readonly string[];
  /** Absent for a sink: its handler writes to a store and returns no events. */
  readonly outputTopic?: string;
  readonly deadLetterTopic: string;
}

export interface RunnerOptions {
  /** Events handled at once across all partitions of this process. */
  readonly concurrency: number;
  /** Handler attempts before an event is dead-lettered. */
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
  /** Read-process-write in one Kafka transaction per batch instead of at-least-once with deduplication. */
  readonly transactional: boolean;
  readonly partitionsConsumedConcurrently: number;
  /** Start from the earliest offset when the group has none yet. */
  readonly fromBeginning: boolean;
  /**
   * Stable name of this process among the group's members. A transactional producer is named after it, so a
   * restarted instance fences its crashed predecessor and aborts its open transaction at once.
   */
  readonly instanceId: string;
}

export const defaultRunnerOptions: RunnerOptions = {
  concurrency: 64,
  maxAttempts: 5,
  backoff: defaultBackoff,
  transactional: false,
  partitionsConsumedConcurrently: 4,
  fromBeginning: true,
  instanceId: 'local',
};

type Outcome<Out> =
  | { kind: 'handled'; outputs: readonly Out[]; values: Buffer[]; correlationId: string }
  | { kind: 'dead'; error: unknown; attempts: number };

interface Decoded<In> {
  message: KafkaMessage;
  event?: In;
  decodeError?: unknown;
}

export class StageRunner<In extends Envelope, Out extends Envelope> {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly lanes: Lanes;
  private readonly transactions = pLimit(1);
  private readonly options: RunnerOptions;
  private joined = false;
  private producerUp = false;
  private paused = false;

  constructor(
    kafka: Kafka,
    private readonly codec: EventCodec,
    private readonly stage: Stage<In, Out>,
    private readonly wiring: StageWiring,
    private readonly logger: Logger,
    private readonly metrics: ProcessorMetrics,
    options: Partial<RunnerOptions> = {},
  ) {
    this.options = { ...defaultRunnerOptions, ...options };
    this.lanes = new Lanes(this.options.concurrency);
    this.consumer = kafka.consumer({
      groupId: wiring.groupId,
      allowAutoTopicCreation: false,
      // A crashed member's partitions move to the others after this long without a heartbeat.
      sessionTimeout: 10_000,
      heartbeatInterval: 2_000,
      // About a thousand typical events per partition and fetch: short batches keep commits frequent and
      // the work redone after a crash small.
      maxBytesPerPartition: 256 * 1024,
    });
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Java's partitioner, so an org's events land where any other Kafka client would put them.
      createPartitioner: Partitioners.DefaultPartitioner,
      ...(this.options.transactional
        ? { transactionalId: `${wiring.groupId}.${this.options.instanceId}`, transactionTimeout: 30_000 }
        : {}),
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => (this.joined = true));
    this.consumer.on(this.consumer.events.REBALANCING, () => (this.joined = false));
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      this.joined = false;
      this.logger.error({ err: event.payload.error, restart: event.payload.restart }, 'consumer crashed');
    });
  }

  ready(): boolean {
    return this.joined && this.producerUp;
  }

  async start(): Promise<void> {
    await this.producer.connect();
    this.producerUp = true;
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.wiring.inputTopics], fromBeginning: this.options.fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.processBatch(payload),
    });
  }

  /** Stops fetching, lets the batches in hand finish and commit, and leaves the group. */
  async stop(): Promise<void> {
    await this.consumer.disconnect();
    this.joined = false;
    await this.producer.disconnect();
    this.producerUp = false;
  }

  private async processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    // Batches fetched before a shutdown began are left to whoever reads the partition next: finishing them
    // would only delay leaving the group.
    if (batch.isEmpty() || !payload.isRunning()) return;
    // kafkajs heartbeats only between batches; a long batch would otherwise outlive the session and lose the
    // membership its commit needs. Calls inside the heartbeat interval are free.
    const heartbeats = setInterval(() => payload.heartbeat().catch(() => undefined), 1000);
    try {
      await this.processFetchedBatch(payload);
    } finally {
      clearInterval(heartbeats);
    }
  }

  private async processFetchedBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    this.metrics.lag.set({ topic, partition: String(partition) }, Number(batch.offsetLag()));
    this.metrics.consumed.inc({ topic }, batch.messages.length);

    const inputSchema = this.stage.inputSchema;
    const readerSchema = typeof inputSchema === 'function' ? inputSchema(topic) : inputSchema;
    const decoded = await Promise.all(batch.messages.map((message) => this.decode(message, readerSchema, payload)));
    const outcomes = await this.lanes.run(
      decoded,
      // A poison event has no conversation; give it a lane of its own.
      (d) => (d.event ? `${d.event.meta.orgId}/${d.event.meta.conversationId}` : `offset:${d.message.offset}`),
      (d) => this.handleOne(d, topic, payload),
    );

    const topicMessages = this.outgoing(decoded, outcomes, topic, partition);
    const lastOffset = batch.lastOffset();
    const nextOffset = String(BigInt(lastOffset) + 1n);
    const delivered = this.options.transactional
      ? await this.transactions(() => this.sendInTransaction(topicMessages, topic, partition, nextOffset, payload))
      : await this.send(topicMessages, payload);
    if (!delivered) return;

    this.count(topicMessages);
    payload.resolveOffset(lastOffset);
    if (this.options.transactional) return;
    // A revoked partition belongs to another member now: committing would move its position under it.
    if (payload.isStale()) return;
    try {
      // Through the batch, not the consumer: kafkajs drops consumer-level commits once stop() has begun, and a
      // graceful shutdown is exactly when the batch in hand must still commit.
      await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }] });
    } catch (error) {
      // Outputs are acknowledged; whoever reads this partition next reprocesses and the sinks deduplicate.
      this.logger.warn({ err: error, topic, partition, offset: nextOffset }, 'offset commit failed');
    }
  }

  /** Decodes, waiting out an unreachable registry; bytes that can never decode come back as a poison event. */
  private async decode(
    message: KafkaMessage,
    readerSchema: RecordSchema,
    payload: EachBatchPayload,
  ): Promise<Decoded<In>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return { message, event: await this.codec.decode<In>(message.value, readerSchema) };
      } catch (error) {
        if (isPermanent(error)) return { message, decodeError: error };
        // Stopping or revoked: leave the batch uncommitted rather than dead-letter a healthy event.
        if (!payload.isRunning() || payload.isStale()) throw error;
        this.logger.warn({ err: error, attempt }, 'schema registry unavailable; retrying decode');
        await sleep(backoffDelay(attempt, this.options.backoff));
        await payload.heartbeat().catch(() => undefined);
      }
    }
  }

  private async handleOne(decoded: Decoded<In>, topic: string, payload: EachBatchPayload): Promise<Outcome<Out>> {
    if (!decoded.event) return { kind: 'dead', error: decoded.decodeError, attempts: 0 };
    const event = decoded.event;
    const correlationId = headerString(decoded.message.headers, HEADER.correlationId) ?? event.meta.eventId;
    const timer = this.metrics.handlerSeconds.startTimer({ topic });
    this.metrics.inFlight.inc();
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const outputs = await this.stage.handle(event, this.context(event, attempt, correlationId));
          const values = await Promise.all(outputs.map((o) => this.encode(o)));
          const oversized = values.find((v) => v.length > MAX_EVENT_BYTES);
          if (oversized) {
            throw new OutputSchemaError(
              `an output of ${oversized.length} bytes passes the ${MAX_EVENT_BYTES}-byte limit`,
            );
          }
          return { kind: 'handled', outputs, values, correlationId };
        } catch (error) {
          const permanent = isPermanent(error);
          this.metrics.failed.inc({ topic, kind: permanent ? 'permanent' : 'transient' });
          if (permanent || attempt >= this.options.maxAttempts) return { kind: 'dead', error, attempts: attempt };
          if (!payload.isRunning() || payload.isStale()) throw error;
          this.logger.warn(
            { err: error, attempt, eventId: event.meta.eventId, correlationId },
            'handler failed; retrying',
          );
          await sleep(backoffDelay(attempt, this.options.backoff));
          await payload.heartbeat();
        }
      }
    } finally {
      this.metrics.inFlight.dec();
      timer();
    }
  }

  private encode(output: Out): Promise<Buffer> {
    const { outputTopic } = this.wiring;
    if (!outputTopic) throw new Error(`${this.stage.name} has no output topic but its handler returned events`);
    return this.codec.encode(outputTopic, output);
  }

  private context(event: In, attempt: number, correlationId: string): StageContext {
    const { stage, logger } = this;
    const meta = event.meta;
    return {
      stage: stage.name,
      attempt,
      correlationId,
      // Built on first use: most events never log, and a child logger per event is measurable.
      get logger() {
        return logger.child({ eventId: meta.eventId, correlationId });
      },
      derive: (index = 0): EventMeta => ({
        eventId: deriveEventId(meta.eventId, stage.name, index),
        orgId: meta.orgId,
        conversationId: meta.conversationId,
        ticketId: meta.ticketId,
        causationId: meta.eventId,
        occurredAt: Date.now(),
        producer: { stage: stage.name, version: stage.version },
      }),
    };
  }

  /** Outputs and dead letters of the batch, in input order so each conversation's order survives. */
  private outgoing(
    decoded: Decoded<In>[],
    outcomes: Outcome<Out>[],
    topic: string,
    partition: number,
  ): TopicMessages[] {
    const outputs: Message[] = [];
    const deadLetters: Message[] = [];
    outcomes.forEach((outcome, i) => {
      const { message } = decoded[i]!;
      if (outcome.kind === 'handled') {
        outcome.outputs.forEach((output, j) => {
          outputs.push({
            key: output.meta.orgId,
            value: outcome.values[j]!,
            headers: { [HEADER.correlationId]: outcome.correlationId },
          });
        });
        return;
      }
      const { errorClass, message: reason } = describeError(outcome.error);
      this.logger.error(
        { errorClass, reason, topic, partition, offset: message.offset, attempts: outcome.attempts },
        'event dead-lettered',
      );
      deadLetters.push({
        key: message.key,
        value: message.value,
        headers: {
          ...(message.headers as IHeaders),
          [HEADER.errorClass]: errorClass,
          [HEADER.errorMessage]: reason.slice(0, 2000),
          [HEADER.stage]: this.stage.name,
          [HEADER.originalTopic]: topic,
          [HEADER.originalPartition]: String(partition),
          [HEADER.originalOffset]: message.offset,
          [HEADER.attempts]: String(outcome.attempts),
          [HEADER.failedAt]: new Date().toISOString(),
        },
      });
    });
    const batches: TopicMessages[] = [];
    if (outputs.length > 0) batches.push({ topic: this.wiring.outputTopic!, messages: outputs });
    if (deadLetters.length > 0) batches.push({ topic: this.wiring.deadLetterTopic, messages: deadLetters });
    return batches;
  }

  /**
   * Produces until the broker acknowledges, backing off between tries and pausing every input meanwhile, so
   * a broken downstream holds the stage still instead of piling work up. False when the partition was lost
   * or the stage is stopping: nothing is committed then, and the next owner starts from the last commit.
   */
  private async send(topicMessages: TopicMessages[], payload: EachBatchPayload): Promise<boolean> {
    for (const request of splitIntoRequests(topicMessages, MAX_REQUEST_BYTES)) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.producer.sendBatch({ topicMessages: request, acks: -1 });
          this.resumeInputs();
          break;
        } catch (error) {
          this.logger.warn({ err: error, attempt }, 'produce failed; backing off');
          this.pauseInputs();
          if (!payload.isRunning() || payload.isStale()) return false;
          await sleep(backoffDelay(attempt, this.options.backoff));
          await payload.heartbeat().catch(() => undefined);
        }
      }
    }
    return true;
  }

  private async sendInTransaction(
    topicMessages: TopicMessages[],
    topic: string,
    partition: number,
    nextOffset: string,
    payload: EachBatchPayload,
  ): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      if (!payload.isRunning() || payload.isStale()) return false;
      const transaction = await this.producer.transaction();
      try {
        for (const request of splitIntoRequests(topicMessages, MAX_REQUEST_BYTES)) {
          await transaction.sendBatch({ topicMessages: request, acks: -1 });
        }
        await transaction.sendOffsets({
          consumerGroupId: this.wiring.groupId,
          topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }],
        });
        await transaction.commit();
        this.resumeInputs();
        return true;
      } catch (error) {
        this.logger.warn({ err: error, attempt }, 'transaction failed; aborting and retrying');
        await transaction.abort().catch(() => undefined);
        this.pauseInputs();
        await sleep(backoffDelay(attempt, this.options.backoff));
        await payload.heartbeat().catch(() => undefined);
      }
    }
  }

  private count(topicMessages: TopicMessages[]): void {
    for (const { topic, messages } of topicMessages) {
      if (topic === this.wiring.deadLetterTopic) this.metrics.deadLettered.inc({ topic }, messages.length);
      else this.metrics.produced.inc({ topic }, messages.length);
    }
  }

  private pauseInputs(): void {
    if (this.paused) return;
    this.paused = true;
    this.consumer.pause(this.wiring.inputTopics.map((topic) => ({ topic })));
  }

  private resumeInputs(): void {
    if (!this.paused) return;
    this.paused = false;
    this.consumer.resume(this.wiring.inputTopics.map((topic) => ({ topic })));
  }
}
