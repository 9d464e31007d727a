/**
 * The Kafka end of ingest: one idempotent producer (acks from all in-sync replicas, so an acknowledged event
 * survives the loss of the leader), keyed by org with the Java-compatible partitioner, connecting lazily so
 * the service starts and answers 503 while Kafka is away instead of refusing to start.
 */
import kafkajs, { type Kafka, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import { createKafka } from '../../processors/runtime/kafka.js';
import type { OutgoingRecord, PublishFailure } from './group-commit.js';

// Named imports of these fail at runtime: kafkajs is CommonJS with exports Node cannot detect statically.
const { Partitioners } = kafkajs;

/**
 * The Kafka client of ingest: the processors' (processors/runtime/kafka.ts) but for its retries, which back off
 * to at most one second. kafkajs runs the client's retries (connecting, reading metadata) inside each send's
 * own, and with the processors' settings they grow to many seconds over an outage: when the broker came back, a
 * send could sleep for 6 s or more before trying it, while every request behind it got 503 (the broker-restart
 * test's 8 s bound failed that way on a busy machine). With this cap ingest accepts again about a second after
 * the broker is back.
 */
export function createIngestKafka(config: Config, logger: Logger, clientId: string): Kafka {
  return createKafka(config, logger, clientId, { initialRetryTime: 100, maxRetryTime: 1000, retries: 8 });
}

export class KafkaSender {
  private readonly producer: Producer;
  private connected = false;
  private connecting: Promise<void> | undefined;
  private stopped = false;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly logger: Logger,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Unbounded, as the idempotent producer needs: one that gave up on a batch the broker had in fact
      // written would reuse its sequence numbers, and the broker would drop the next batch as a duplicate
      // while acknowledging it. Callers are bounded by their own timeout instead (group-commit.ts).
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    this.producer.on(this.producer.events.DISCONNECT, () => (this.connected = false));
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** One attempt shared by every caller waiting for it; a failed attempt lets the next caller try again. */
  connect(): Promise<void> {
    if (this.connected) return Promise.resolve();
    if (this.stopped) return Promise.reject(new Error('the Kafka producer is stopped'));
    // Connected once connect() resolves, not at kafkajs's CONNECT event: that fires before the idempotent
    // producer has its id, and a send racing the id's arrival fails inside kafkajs (its broker lock is missing).
    this.connecting ??= this.producer
      .connect()
      .then(() => void (this.connected = true))
      .finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** Connects in the background until it succeeds, so the first request does not pay for it. */
  startConnecting(retryMs = 1000): void {
    const attempt = () => {
      if (this.stopped || this.connected) return;
      this.connect().catch((error: Error) => {
        this.logger.warn({ err: error }, 'cannot connect to Kafka yet; requests get 503 until it can');
        setTimeout(attempt, retryMs).unref();
      });
    };
    attempt();
  }

  readonly send = async (records: OutgoingRecord[]): Promise<void> => {
    await this.connect();
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: records.map((r) => ({ key: r.key, value: r.value, headers: { ...r.headers } })),
    });
  };

  /** Also cuts short a connect still retrying, which against an absent Kafka would take many seconds. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.producer.disconnect();
  }
}

/** A record the broker refuses as too large will be refused on every retry; anything else may pass later. */
export function classifyKafkaError(error: unknown): PublishFailure {
  for (let e = error as { type?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.type === 'MESSAGE_TOO_LARGE' || e.type === 'RECORD_LIST_TOO_LARGE') return 'too-large';
  }
  return 'failed';
}
