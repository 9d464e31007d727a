/**
 * The one Kafka runtime every processor runs on.
 *
 * kafkajs fetches every assigned partition in one request and hands each partition's batch to `eachBatch`; the
 * runner gathers the batches of one fetch into a unit and processes it as one: decode (synchronous on cached
 * types), settle (handler, retries, outages; settle.ts), produce the outputs and dead letters in one request
 * acknowledged by all replicas, and only then commit the offsets of every partition in one request. Work and
 * round trips are per fetch, not per event, while every promise holds per event: a failing event is retried or
 * dead-lettered on its own, each conversation keeps its order, output ids are derived from the input so a
 * unit redone after a crash repeats the same ids, which the sinks drop. With `transactional`, the unit's
 * outputs and offsets go in one Kafka transaction instead (exactly-once for read-committed consumers).
 */
import {
  Partitioners,
  PartitionAssigners,
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
import { orgOfKey } from '../../topics/keys.js';
import { CoPartitionedAssigner } from './assigner.js';
import { backoffDelay, defaultBackoff, type BackoffPolicy } from './backoff.js';
import type { EventCodec, Writer } from './codec.js';
import { describeError, OutputSchemaError, PoisonEventError, type Outage } from './errors.js';
import { HEADER, headerString } from './headers.js';
import { deriveEventId } from './ids.js';
import type { ProcessMetrics } from './metrics.js';
import { PerEventRunner } from './per-event.js';
import { splitIntoRequests } from './requests.js';
import { Abandoned, DEFERRED, settle, type Answer, type Settled } from './settle.js';
import {
  isTombstone,
  ItemFailure,
  tombstone,
  type BatchItem,
  type Envelope,
  type EventMeta,
  type Stage,
  type StageContext,
} from './stage.js';
import type { StageWiring } from './wiring.js';

/** Each partition's record batch must stay under the broker's default `message.max.bytes` (1 MiB). */
const MAX_REQUEST_BYTES = 900 * 1024;
/** One event must fit in a request on its own. */
const MAX_EVENT_BYTES = MAX_REQUEST_BYTES;
/** Partitions handed to `eachBatch` at once: more than any stage is assigned, so one fetch is one unit. */
const PARTITIONS_AT_ONCE = 1024;
const WATCHDOG_INTERVAL_MS = 1_000;

export interface RunnerOptions {
  /** In-flight bound for per-event handlers that return promises. */
  readonly concurrency: number;
  /** Handler attempts before an event is dead-lettered; outages of a dependency do not count. */
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
  /** Read-process-write in one Kafka transaction per unit instead of at-least-once with deduplication. */
  readonly transactional: boolean;
  /** Start from the earliest offset when the group has none yet. */
  readonly fromBeginning: boolean;
  /**
   * Stable name of this process among the group's members. A transactional producer is named after it, so a
   * restarted instance fences its crashed predecessor and aborts its open transaction at once.
   */
  readonly instanceId: string;
  /**
   * Longer than a rejoin can take (kafkajs's rebalance timeout, 60 s, bounds how long the coordinator waits for
   * the members): a consumer out of its group for longer, with no unit in hand, is stranded and replaced (see
   * rebuildIfStranded). Replacing one that was still joining would put two members in one process.
   */
  readonly strandedAfterMs: number;
}

export const defaultRunnerOptions: RunnerOptions = {
  concurrency: 64,
  maxAttempts: 5,
  backoff: defaultBackoff,
  transactional: false,
  fromBeginning: true,
  instanceId: 'local',
  strandedAfterMs: 90_000,
};

/** An output ready to produce: its key (undefined: the input's) and its bytes (null: a tombstone). */
interface Outgoing {
  readonly key?: string;
  readonly value: Buffer | null;
  readonly headers?: IHeaders;
}

interface Input<In> {
  readonly message: KafkaMessage;
  readonly topic: string;
  readonly partition: number;
  readonly lane: string;
  readonly event?: In;
  readonly poison?: unknown;
  readonly context?: EventContext;
}

/** Whether a kafkajs error means the broker could not be reached (as opposed to a refusal that would recur). */
function brokerUnreachable(error: unknown): boolean {
  const e = error as { name?: string; retriable?: boolean; cause?: unknown } | null;
  if (!e) return false;
  if (e.retriable === true || e.name === 'KafkaJSNumberOfRetriesExceeded' || e.name === 'KafkaJSConnectionError') {
    return true;
  }
  return e.name === 'KafkaJSNonRetriableError' && brokerUnreachable(e.cause);
}

export class StageRunner<In extends Envelope, Out extends Envelope> {
  private consumer: Consumer;
  private readonly producer: Producer;
  private readonly perEvent: PerEventRunner<In, Out> | null;
  private readonly transactions = pLimit(1);
  private readonly options: RunnerOptions;
  private readonly labels: { stage: string; group: string };
  private writer: Writer | null = null;
  private joined = false;
  private producerUp = false;
  private waitingFor: Outage | null = null;
  private lastLoggedFailure: unknown = null;
  private pending: Array<{ payload: EachBatchPayload; done: (error?: unknown) => void }> = [];
  private stopping = false;
  /** Since when the consumer has been out of its group (epoch ms), or null while it is a member. */
  private outOfGroupSince: number | null = Date.now();
  private unitsInHand = 0;
  private rebuilding = false;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: EventCodec,
    private readonly stage: Stage<In, Out>,
    private readonly wiring: StageWiring,
    private readonly logger: Logger,
    private readonly metrics: ProcessMetrics,
    options: Partial<RunnerOptions> = {},
  ) {
    this.options = { ...defaultRunnerOptions, ...options };
    this.labels = { stage: stage.name, group: wiring.groupId };
    this.perEvent = stage.handle ? new PerEventRunner(stage.handle.bind(stage), this.options.concurrency) : null;
    this.consumer = this.createConsumer();
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Java's partitioner, so a key lands where any other Kafka client would put it.
      createPartitioner: Partitioners.DefaultPartitioner,
      ...(this.options.transactional
        ? { transactionalId: `${wiring.groupId}.${this.options.instanceId}`, transactionTimeout: 30_000 }
        : {}),
    });
    this.metrics.ready.set(this.labels, 0);
  }

  private createConsumer(): Consumer {
    const consumer = this.kafka.consumer({
      groupId: this.wiring.groupId,
      allowAutoTopicCreation: false,
      // A crashed member's partitions move to the others after this long without a heartbeat.
      sessionTimeout: 10_000,
      heartbeatInterval: 2_000,
      maxBytesPerPartition: this.wiring.maxBytesPerPartition,
      maxBytes: this.wiring.maxBytes,
      // An idle partition answers within this; data answers at once.
      maxWaitTimeInMs: 1000,
      // Round-robin only until every member speaks the co-partitioned protocol (a rolling upgrade).
      partitionAssigners: [CoPartitionedAssigner, PartitionAssigners.roundRobin],
    });
    // A consumer replaced by rebuildConsumer may still report on its way out; only the current one counts.
    const current = () => consumer === this.consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => current() && this.setJoined(true));
    consumer.on(consumer.events.REBALANCING, () => current() && this.setJoined(false));
    // A consumer kafkajs stopped on its own (after a crash it does not restart from) is out of its group too.
    consumer.on(consumer.events.STOP, () => current() && this.setJoined(false));
    consumer.on(consumer.events.CRASH, (event) => {
      if (!current()) return;
      this.setJoined(false);
      this.logger.error({ err: event.payload.error, restart: event.payload.restart }, 'consumer crashed');
    });
    return consumer;
  }

  ready(): boolean {
    return this.joined && this.producerUp && this.waitingFor === null;
  }

  /** Why the stage is not ready; empty when it is. */
  notReadyReasons(): string[] {
    const reasons: string[] = [];
    if (!this.producerUp) reasons.push('producer not connected');
    if (!this.joined) reasons.push(`not a member of group ${this.wiring.groupId}`);
    if (this.waitingFor) reasons.push(`waiting for ${this.waitingFor.name}`);
    return reasons;
  }

  async start(): Promise<void> {
    await this.whenKafkaAnswers('producer', () => this.producer.connect());
    this.producerUp = true;
    if (this.wiring.outputTopic) this.writer = await this.writerWhenRegistryAnswers(this.wiring.outputTopic);
    await this.runConsumer();
    this.watchdog = setInterval(() => this.rebuildIfStranded(), WATCHDOG_INTERVAL_MS);
    this.watchdog.unref();
  }

  /** Connects the current consumer, subscribes it and starts its fetch loop: at start, and for a replacement. */
  private async runConsumer(): Promise<void> {
    await this.whenKafkaAnswers('consumer', () => this.consumer.connect());
    await this.whenKafkaAnswers('subscription', () =>
      this.consumer.subscribe({ topics: [...this.wiring.inputTopics], fromBeginning: this.options.fromBeginning }),
    );
    if (this.stopping) return;
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: PARTITIONS_AT_ONCE,
      eachBatch: (payload) => this.gather(payload),
    });
  }

  /**
   * A consumer can be left out of its group for good: kafkajs does not restart one whose crash it deems not
   * retriable, and after a broker's kill -9 restarts racing each other were seen to leave a process idle, unready
   * and outside its group, its partitions' work waiting for a restart by hand. One that stayed out longer than a
   * rejoin can take, with no unit in hand, is replaced by a new consumer (the old one disconnected first).
   */
  private rebuildIfStranded(): void {
    if (this.stopping || this.rebuilding || this.joined || this.unitsInHand > 0) return;
    const since = this.outOfGroupSince;
    if (since === null || Date.now() - since < this.options.strandedAfterMs) return;
    this.rebuilding = true;
    this.logger.warn({ outOfGroupMs: Date.now() - since }, 'consumer out of its group for too long; replacing it');
    void this.rebuildConsumer()
      .catch((error: unknown) => this.logger.error({ err: error }, 'replacing the consumer failed; will try again'))
      .finally(() => {
        this.rebuilding = false;
        if (!this.joined) this.outOfGroupSince = Date.now();
      });
  }

  private async rebuildConsumer(): Promise<void> {
    const old = this.consumer;
    this.consumer = this.createConsumer();
    await old.disconnect().catch(() => undefined);
    if (!this.stopping) await this.runConsumer();
  }

  /** Stops fetching, lets the unit in hand finish (or abandons it if it waits for a dependency), and leaves. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.watchdog);
    await this.consumer.disconnect();
    this.setJoined(false);
    await this.producer.disconnect();
    this.producerUp = false;
  }

  private setJoined(joined: boolean): void {
    if (joined) this.outOfGroupSince = null;
    else this.outOfGroupSince ??= Date.now();
    this.joined = joined;
    this.metrics.ready.set(this.labels, this.ready() ? 1 : 0);
  }

  /**
   * kafkajs starts one `eachBatch` per partition of a fetch in the same tick; they are gathered here and
   * processed together once the tick is over, and each call returns when its unit is done.
   */
  private gather(payload: EachBatchPayload): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => void this.processUnit(this.pending.splice(0)));
      this.pending.push({ payload, done: (error) => (error === undefined ? resolve() : reject(error)) });
    });
  }

  private async processUnit(unit: Array<{ payload: EachBatchPayload; done: (error?: unknown) => void }>) {
    const payloads = unit.map((u) => u.payload).filter((p) => !p.batch.isEmpty());
    let outcome: unknown;
    if (payloads.length > 0 && payloads[0]!.isRunning()) {
      this.unitsInHand += 1;
      try {
        await this.process(payloads);
      } catch (error) {
        outcome = error;
      } finally {
        this.unitsInHand -= 1;
      }
    }
    for (const { done } of unit) done(outcome);
  }

  private async process(payloads: EachBatchPayload[]): Promise<void> {
    const started = performance.now();
    const control = new UnitControl(payloads);
    try {
      const inputs = await this.decode(payloads, control);
      this.count(payloads, inputs.length);
      const settled = await settle<Outgoing>(inputs, (indexes, attempts) => this.handle(inputs, indexes, attempts), {
        maxAttempts: this.options.maxAttempts,
        backoff: this.options.backoff,
        shouldStop: () => control.shouldStop(),
        onFailure: (kind, error, index, attempts) => this.onFailure(inputs[index]!, kind, error, attempts),
        onWait: (outage) => this.onWait(outage),
      });
      const topicMessages = this.outgoing(inputs, settled);
      const offsets = this.nextOffsets(payloads);
      const delivered = this.options.transactional
        ? await this.transactions(() => this.sendInTransaction(topicMessages, offsets, control))
        : await this.send(topicMessages, control);
      if (!delivered) return control.abandon();
      this.countOutgoing(topicMessages);
      for (const p of payloads) p.resolveOffset(p.batch.lastOffset());
      if (!this.options.transactional) await this.commit(payloads, offsets);
      this.metrics.batchSeconds.observe(this.labels, (performance.now() - started) / 1000);
    } catch (error) {
      if (error instanceof Abandoned) return control.abandon();
      throw error;
    } finally {
      control.close();
      this.metrics.inFlight.set(this.labels, 0);
    }
  }

  /** Decodes every message; bytes that can never decode become poison inputs, dead-lettered with the reason. */
  private async decode(payloads: EachBatchPayload[], control: UnitControl): Promise<Input<In>[]> {
    const inputs: Input<In>[] = [];
    const debug = this.logger.isLevelEnabled('debug');
    for (const { batch } of payloads) {
      const { topic, partition } = batch;
      const schema = this.wiring.readerSchema(topic);
      await this.untilRegistryAnswers(control, () =>
        this.codec.prepare(
          batch.messages.map((m) => m.value),
          schema,
        ),
      );
      const tombstones = this.wiring.tombstoneTopics.has(topic);
      for (const message of batch.messages) {
        try {
          const event =
            tombstones && message.value === null
              ? (this.tombstoneEvent(topic, partition, message) as unknown as In)
              : this.codec.decodePrepared<In>(message.value, schema);
          const { orgId, conversationId } = event.meta;
          const context = new EventContext(this.stage, event.meta, message, topic, this.logger, debug);
          inputs.push({ message, topic, partition, lane: `${orgId}/${conversationId}`, event, context });
        } catch (error) {
          // A poison event has no conversation; it is a lane of its own.
          inputs.push({ message, topic, partition, lane: `${topic}/${partition}/${message.offset}`, poison: error });
        }
      }
    }
    return inputs;
  }

  /** The envelope of a tombstone read from a compacted topic (see `Tombstone`): the same on every redelivery. */
  private tombstoneEvent(topic: string, partition: number, message: KafkaMessage) {
    const key = message.key?.toString();
    const org = key === undefined ? '' : orgOfKey(key);
    if (key === undefined || org === key) {
      throw new PoisonEventError(`a tombstone on ${topic} without an <orgId>:<entityId> key`);
    }
    const entityId = key.slice(org.length + 1);
    const meta: EventMeta = {
      eventId: deriveEventId(`${topic}\u0000${partition}\u0000${message.offset}`, 'tombstone', 0),
      orgId: org,
      conversationId: entityId,
      ticketId: entityId,
      causationId: null,
      occurredAt: Number(message.timestamp),
      producer: { stage: 'kafka', version: '0' },
    };
    const version = Number(headerString(message.headers, HEADER.entityVersion) ?? NaN);
    return tombstone(meta, entityId, Number.isSafeInteger(version) ? version : null);
  }

  private async handle(inputs: Input<In>[], indexes: number[], attempts: number[]): Promise<Answer<Outgoing>[]> {
    const items: BatchItem<In>[] = indexes.map((index, k) => {
      const input = inputs[index]!;
      input.context!.attempt = attempts[k]!;
      return { event: input.event!, context: input.context! };
    });
    const answers: readonly Answer<Out>[] = this.perEvent
      ? await this.perEvent.run(
          items,
          indexes.map((index) => inputs[index]!.lane),
        )
      : await this.stage.handleBatch!(items);
    if (answers.length !== items.length) {
      throw new Error(`${this.stage.name} answered ${answers.length} results for ${items.length} inputs`);
    }
    return answers.map((answer) =>
      answer instanceof ItemFailure || answer === DEFERRED ? answer : this.encode(answer),
    );
  }

  /**
   * Encodes and keys an input's outputs here, so one that does not fit its schema fails that input alone. A
   * tombstone is a null value, and only an entity topic (keyed by the entity) can take one.
   */
  private encode(outputs: readonly Out[]): readonly Outgoing[] | ItemFailure {
    if (outputs.length === 0) return [];
    if (!this.writer) {
      return new ItemFailure(new OutputSchemaError(`${this.stage.name} has no output topic but returned events`));
    }
    const keyOf = this.wiring.outputKey;
    try {
      return outputs.map((output): Outgoing => {
        if (isTombstone(output)) {
          if (!keyOf) {
            throw new OutputSchemaError(`a tombstone for ${this.writer!.topic}, which is not keyed by entity`);
          }
          const headers = output.version === null ? undefined : { [HEADER.entityVersion]: String(output.version) };
          return { key: keyOf(output), value: null, headers };
        }
        const value = this.writer!.encode(output);
        if (value.length > MAX_EVENT_BYTES) {
          throw new OutputSchemaError(`an output of ${value.length} bytes passes the ${MAX_EVENT_BYTES}-byte limit`);
        }
        return { key: keyOf?.(output), value };
      });
    } catch (error) {
      return new ItemFailure(error);
    }
  }

  private onFailure(input: Input<In>, kind: string, error: unknown, attempts: number): void {
    this.metrics.failed.inc({ ...this.labels, topic: input.topic, kind });
    if (kind === 'permanent') return;
    // An outage fails every input of a unit at once: the pause is logged once (onWait), each input only at debug.
    // A batch call that fails fails every input it carried with one error: logged once, not once per input.
    const level = kind === 'unavailable' ? 'debug' : 'warn';
    if (error === this.lastLoggedFailure || !this.logger.isLevelEnabled(level)) return;
    this.lastLoggedFailure = error;
    this.logger[level](
      { err: error, kind, attempts, eventId: input.event?.meta.eventId, correlationId: input.context?.correlationId },
      kind === 'unavailable' ? 'dependency unavailable; waiting it out' : 'handler failed; retrying',
    );
  }

  private onWait(outage: Outage | null): void {
    if (outage && !this.waitingFor) this.logger.warn({ dependency: outage.name }, 'paused: waiting for a dependency');
    if (!outage && this.waitingFor) this.logger.info({ dependency: this.waitingFor.name }, 'resumed: dependency back');
    this.waitingFor = outage;
    this.metrics.ready.set(this.labels, this.ready() ? 1 : 0);
  }

  /** Outputs and dead letters of the unit, in input order, so each partition's (and conversation's) order survives. */
  private outgoing(inputs: Input<In>[], settled: Settled<Outgoing>[]): TopicMessages[] {
    const outputs: Message[] = [];
    const deadLetters: Message[] = [];
    settled.forEach((outcome, i) => {
      const input = inputs[i]!;
      const { message } = input;
      if (outcome.kind === 'handled') {
        const inputKey = message.key ?? input.event!.meta.orgId;
        for (const { key, value, headers } of outcome.outputs) {
          outputs.push({
            key: key ?? inputKey,
            value,
            headers: { ...headers, [HEADER.correlationId]: input.context!.correlationId },
          });
        }
        return;
      }
      const { errorClass, message: reason } = describeError(outcome.error);
      this.logger.error(
        {
          errorClass,
          reason,
          topic: input.topic,
          partition: input.partition,
          offset: message.offset,
          attempts: outcome.attempts,
        },
        'event dead-lettered',
      );
      this.metrics.deadLettered.inc({ ...this.labels, topic: input.topic });
      deadLetters.push({
        key: message.key,
        value: message.value,
        headers: {
          ...(message.headers as IHeaders),
          [HEADER.errorClass]: errorClass,
          [HEADER.errorMessage]: reason.slice(0, 2000),
          [HEADER.stage]: this.stage.name,
          [HEADER.originalTopic]: input.topic,
          [HEADER.originalPartition]: String(input.partition),
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

  private nextOffsets(payloads: EachBatchPayload[]) {
    return payloads.map(({ batch }) => ({
      topic: batch.topic,
      partition: batch.partition,
      offset: String(BigInt(batch.lastOffset()) + 1n),
    }));
  }

  /**
   * Commits every partition of the unit in one request. A revoked partition belongs to another member now:
   * committing would move its position under it. A failed commit is only logged: the outputs are acknowledged,
   * and whoever reads the partition next redoes the unit, whose outputs the sinks recognise.
   */
  private async commit(payloads: EachBatchPayload[], offsets: ReturnType<StageRunner<In, Out>['nextOffsets']>) {
    const live = offsets.filter((_, i) => !payloads[i]!.isStale());
    if (live.length === 0) return;
    const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
    for (const { topic, partition, offset } of live) {
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset }]);
    }
    try {
      // Through a batch, not the consumer: kafkajs drops consumer-level commits once stop() has begun, and a
      // graceful shutdown is exactly when the unit in hand must still commit.
      await payloads[0]!.commitOffsetsIfNecessary({
        topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      });
    } catch (error) {
      this.logger.warn({ err: error, offsets: live }, 'offset commit failed');
    }
  }

  /**
   * Produces until the broker acknowledges, backing off between tries. The unit holds its partitions still
   * meanwhile (kafkajs fetches again only when it is done), so a broken downstream stops the stage instead of
   * piling work up. False when the partitions were lost or the stage is stopping: nothing is committed then.
   */
  private async send(topicMessages: TopicMessages[], control: UnitControl): Promise<boolean> {
    for (const request of splitIntoRequests(topicMessages, MAX_REQUEST_BYTES)) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.producer.sendBatch({ topicMessages: request, acks: -1 });
          break;
        } catch (error) {
          this.logger.warn({ err: error, attempt }, 'produce failed; backing off');
          if (control.shouldStop()) return false;
          await sleep(backoffDelay(attempt, this.options.backoff));
        }
      }
    }
    return true;
  }

  private async sendInTransaction(
    topicMessages: TopicMessages[],
    offsets: ReturnType<StageRunner<In, Out>['nextOffsets']>,
    control: UnitControl,
  ): Promise<boolean> {
    const topics = [...new Set(offsets.map((o) => o.topic))].map((topic) => ({
      topic,
      partitions: offsets.filter((o) => o.topic === topic).map(({ partition, offset }) => ({ partition, offset })),
    }));
    for (let attempt = 1; ; attempt++) {
      if (control.shouldStop()) return false;
      const transaction = await this.producer.transaction();
      try {
        for (const request of splitIntoRequests(topicMessages, MAX_REQUEST_BYTES)) {
          await transaction.sendBatch({ topicMessages: request, acks: -1 });
        }
        await transaction.sendOffsets({ consumerGroupId: this.wiring.groupId, topics });
        await transaction.commit();
        return true;
      } catch (error) {
        this.logger.warn({ err: error, attempt }, 'transaction failed; aborting and retrying');
        await transaction.abort().catch(() => undefined);
        await sleep(backoffDelay(attempt, this.options.backoff));
      }
    }
  }

  /**
   * A step of the start that needs the broker, repeated while the broker cannot be reached: a process started
   * (or restarted) during a Kafka outage waits it out, not ready, instead of exiting once the client's own
   * retries run out.
   */
  private async whenKafkaAnswers(step: string, connect: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await connect();
      } catch (error) {
        if (!brokerUnreachable(error) || this.stopping) throw error;
        this.logger.warn({ err: error, attempt, step }, 'Kafka unreachable; waiting for it');
        await sleep(Math.min(5000, backoffDelay(attempt, this.options.backoff)));
      }
    }
  }

  /** The output topic's encoder, waiting out an unreachable registry at start-up. */
  private async writerWhenRegistryAnswers(topic: string): Promise<Writer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.codec.writer(topic);
      } catch (error) {
        this.logger.warn({ err: error, attempt, topic }, 'schema registry unavailable; waiting for the output schema');
        await sleep(backoffDelay(attempt, this.options.backoff));
      }
    }
  }

  private async untilRegistryAnswers(control: UnitControl, work: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (control.shouldStop()) throw new Abandoned('stopped while the schema registry was unavailable');
        this.logger.warn({ err: error, attempt }, 'schema registry unavailable; retrying decode');
        await sleep(backoffDelay(attempt, this.options.backoff));
      }
    }
  }

  private count(payloads: EachBatchPayload[], events: number): void {
    for (const { batch } of payloads) {
      const labels = { ...this.labels, topic: batch.topic };
      this.metrics.consumed.inc(labels, batch.messages.length);
      this.metrics.lag.set({ ...labels, partition: String(batch.partition) }, Number(batch.offsetLag()));
    }
    this.metrics.batchSize.observe(this.labels, events);
    this.metrics.inFlight.set(this.labels, events);
  }

  private countOutgoing(topicMessages: TopicMessages[]): void {
    for (const { topic, messages } of topicMessages) {
      if (topic !== this.wiring.deadLetterTopic) this.metrics.produced.inc({ ...this.labels, topic }, messages.length);
    }
  }
}

/**
 * Whether a unit must be given up: the stage is stopping, or a heartbeat learnt that the group is rebalancing
 * (the partitions may be another member's by now). kafkajs heartbeats only between batches; the unit heartbeats
 * through long work itself, and when a rebalance is announced it rethrows kafkajs's error so kafkajs rejoins.
 */
class UnitControl {
  private rebalance: unknown = null;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly payloads: EachBatchPayload[]) {
    this.timer = setInterval(() => {
      payloads[0]!.heartbeat().catch((error: { type?: string }) => {
        if (['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID'].includes(error.type ?? '')) {
          this.rebalance ??= error;
        }
      });
    }, 1000);
  }

  shouldStop(): boolean {
    return this.rebalance !== null || this.payloads.some((p) => !p.isRunning() || p.isStale());
  }

  /** Nothing of the unit is committed; a rebalance is reported to kafkajs so it rejoins. */
  abandon(): void {
    if (this.rebalance) throw this.rebalance;
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/** What a handler knows about one input; built once per input and reused across retries. */
class EventContext implements StageContext {
  attempt = 1;
  readonly stage: string;
  readonly correlationId: string;

  constructor(
    private readonly owner: { name: string; version: string },
    private readonly meta: EventMeta,
    message: KafkaMessage,
    readonly topic: string,
    private readonly logger: Logger,
    private readonly debugEnabled: boolean,
  ) {
    this.stage = owner.name;
    this.correlationId = headerString(message.headers, HEADER.correlationId) ?? meta.eventId;
  }

  debug(fields: Record<string, unknown>, message: string): void {
    if (this.debugEnabled) {
      this.logger.debug({ ...fields, eventId: this.meta.eventId, correlationId: this.correlationId }, message);
    }
  }

  derive(index = 0): EventMeta {
    const { meta, owner } = this;
    return {
      eventId: deriveEventId(meta.eventId, owner.name, index),
      orgId: meta.orgId,
      conversationId: meta.conversationId,
      ticketId: meta.ticketId,
      causationId: meta.eventId,
      occurredAt: Date.now(),
      producer: { stage: owner.name, version: owner.version },
    };
  }
}
