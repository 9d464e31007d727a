/**
 * Follows a whole topic, every partition from its log start, for a process that keeps a table of it in memory
 * (like a Kafka Streams global table): the chunk stage's table of the chunks each document has live.
 *
 * A processor's own group gives each instance a share of the partitions; a table needs all of them, so the
 * follower reads in a consumer group of its own, unique to the process and never committed (kafkajs has no
 * manual assignment), deleted when it stops. `catchUp()` is the read barrier: it resolves once every record
 * written before the call has been applied, so a handler that calls it first sees everything its own earlier
 * outputs (acknowledged before its next batch was fetched) put on the topic.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Consumer, IHeaders, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

export interface FollowedRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
}

export interface TopicFollowerOptions {
  /** Applies one fetched batch of one partition, in offset order. May prepare asynchronously (schemas). */
  readonly apply: (records: readonly FollowedRecord[]) => Promise<void> | void;
  /** Longest a catch-up may take before it fails (the broker is away, or the topic is too big to read). */
  readonly catchUpTimeoutMs?: number;
  readonly logger?: Logger;
}

/** The follower could not read up to the end within its time: a broker away, a topic too large. */
export class CatchUpTimeout extends Error {
  override name = 'CatchUpTimeout';
}

export class TopicFollower {
  private consumer: Consumer | null = null;
  private admin: Admin | null = null;
  private starting: Promise<void> | null = null;
  private failure: unknown = null;
  /** Next offset to apply, per partition. */
  private readonly positions = new Map<number, bigint>();
  private readonly groupId: string;

  constructor(
    private readonly kafka: Kafka,
    readonly topic: string,
    private readonly options: TopicFollowerOptions,
  ) {
    this.groupId = `ticketflow-follow-${topic}-${randomUUID()}`;
  }

  /**
   * Resolves once every record on the topic when it was called has been applied. Fails when reading makes no
   * progress for `catchUpTimeoutMs` (the broker away); a long first read of a big topic is fine while it moves.
   */
  async catchUp(): Promise<void> {
    await this.start();
    const ends = await this.admin!.fetchTopicOffsets(this.topic);
    const patience = this.options.catchUpTimeoutMs ?? 30_000;
    let progress = this.progress();
    let deadline = Date.now() + patience;
    for (;;) {
      if (this.failure) throw this.failure;
      const behind = ends.filter(({ partition, high, low }) => {
        if (BigInt(high) <= BigInt(low)) return false;
        return (this.positions.get(partition) ?? -1n) < BigInt(high);
      });
      if (behind.length === 0) return;
      const now = this.progress();
      if (now !== progress) [progress, deadline] = [now, Date.now() + patience];
      if (Date.now() > deadline) {
        throw new CatchUpTimeout(
          `${this.topic}: ${behind.length} partition(s) short of their end, no progress for ${patience} ms`,
        );
      }
      await sleep(20);
    }
  }

  /** A figure that changes whenever anything is read. */
  private progress(): bigint {
    let sum = 0n;
    for (const position of this.positions.values()) sum += position;
    return sum;
  }

  /** A cheap request that succeeds when the broker can serve the topic: the probe of its dependency. */
  async probe(): Promise<void> {
    await this.start();
    await this.admin!.fetchTopicOffsets(this.topic);
  }

  async stop(): Promise<void> {
    const starting = this.starting;
    this.starting = null;
    await starting?.catch(() => undefined);
    await this.consumer?.disconnect().catch(() => undefined);
    await this.admin?.deleteGroups([this.groupId]).catch(() => undefined);
    await this.admin?.disconnect().catch(() => undefined);
    this.consumer = null;
    this.admin = null;
  }

  private start(): Promise<void> {
    this.starting ??= this.connect().catch((error: unknown) => {
      this.starting = null;
      throw error;
    });
    return this.starting;
  }

  private async connect(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    this.admin = admin;
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
      sessionTimeout: 30_000,
    });
    // Batches holding only compacted-away or control records never reach eachBatch; their end still counts.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      this.advance(payload.partition, payload.lastOffset);
    });
    // The group commits nothing, so a rejoin (or a restart after a crash) reads again from the log start: until it
    // is back at the end, the table passes through older states, and a catch-up must wait for it.
    consumer.on(consumer.events.GROUP_JOIN, () => this.positions.clear());
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.positions.clear();
      if (!payload.restart) this.failure = payload.error;
      this.options.logger?.warn({ err: payload.error, topic: this.topic }, 'topic follower crashed');
    });
    await consumer.connect();
    this.consumer = consumer;
    await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        await this.options.apply(
          batch.messages.map((m) => ({
            partition: batch.partition,
            offset: m.offset,
            key: m.key,
            value: m.value,
            headers: m.headers ?? {},
          })),
        );
        this.advance(batch.partition, batch.lastOffset());
      },
    });
  }

  private advance(partition: number, lastOffset: string): void {
    const next = BigInt(lastOffset) + 1n;
    if (next > (this.positions.get(partition) ?? -1n)) this.positions.set(partition, next);
  }
}
