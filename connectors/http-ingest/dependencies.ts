/**
 * The production dependencies of ingest: PostgreSQL for keys, Redis for buckets and idempotency, the schema
 * registry and Kafka for events. None of them has to be up for the service to start; until they are,
 * `/readyz` says which is missing and requests get 503.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Config } from '../../config/index.js';
import { findIngestKeyOwner } from '../../ops/db/ingest-keys.js';
import { EventCodec } from '../../processors/runtime/codec.js';
import { eventCatalog, registerEventSchemas, type EventName } from '../../schemas/index.js';
import { nodeSpec, topicSpec } from '../../topics/lookup.js';
import { ticketflow } from '../../topics/topology.js';
import { STAGE, type IngestDependencies } from './app.js';
import { GroupCommit } from './group-commit.js';
import { RedisIdempotencyStore } from './idempotency.js';
import { CachedKeyResolver } from './ingest-keys.js';
import { KafkaHealth, tcpProbe } from './kafka-health.js';
import { classifyKafkaError, createIngestKafka, KafkaSender } from './kafka-sender.js';
import { createIngestMetrics } from './metrics.js';
import { RedisTokenBuckets } from './token-bucket.js';
import { KafkaInteractionWriter } from './writer.js';

/** The topic ingest writes, and its event type, as declared in the topology rather than spelled here. */
export function ingestTopic(): { topic: string; eventName: EventName } {
  const [topic] = nodeSpec(ticketflow, STAGE).outputs;
  const spec = topicSpec(ticketflow, topic!);
  if (spec.eventType !== 'InteractionReceived') {
    throw new Error(`${STAGE} writes ${spec.name}, whose events are ${spec.eventType}, not InteractionReceived`);
  }
  return { topic: spec.name, eventName: spec.eventType };
}

export interface ConnectedDependencies extends Omit<IngestDependencies, 'logger'> {
  /** Resolves when everything accepted has been acknowledged or has failed. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** Room for Kafka's batch framing under the broker's default message.max.bytes of 1 MiB. */
const MAX_SEND_BYTES = 960 * 1024;
/** How long a producer that is still connecting may take to disconnect. */
const STOP_GRACE_MS = 2000;
/** How much waits behind a slow Kafka before new requests are refused at once. */
const MAX_OUTSTANDING_RECORDS = 50_000;

export async function connectDependencies(
  config: Config,
  logger: Logger,
  version: string,
): Promise<ConnectedDependencies> {
  const { topic: topologyTopic, eventName } = ingestTopic();
  const topic = config.ingest.topic ?? topologyTopic;
  const catalog = eventCatalog();
  const metrics = createIngestMetrics();

  const pool = new pg.Pool({
    connectionString: config.postgres.url,
    max: config.postgres.poolMax,
    connectionTimeoutMillis: 2000,
    query_timeout: 2000,
  });
  // Without this, an idle client dropped by the server would crash the process with an unhandled 'error'.
  pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL client failed'));
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1, commandTimeout: 2000 });
  redis.on('error', (error) => logger.debug({ err: error }, 'Redis connection error'));

  const codec = EventCodec.connect(config.schemaRegistry.url);
  let schemaRegistered = false;
  const registerSchema = async () => {
    // Registering an unchanged schema is a no-op returning its id, so every start may do it.
    await registerEventSchemas([{ topic, eventName }], catalog, { url: config.schemaRegistry.url });
    schemaRegistered = true;
  };
  await registerSchema().catch((error: Error) => {
    logger.warn({ err: error }, 'cannot register the InteractionReceived schema yet; retrying in the background');
    const retry = setInterval(() => {
      registerSchema().then(
        () => clearInterval(retry),
        () => undefined,
      );
    }, 2000);
    retry.unref();
  });

  const sender = new KafkaSender(createIngestKafka(config, logger, `${config.kafka.clientId}-${STAGE}`), topic, logger);
  sender.startConnecting();
  const health = new KafkaHealth(tcpProbe(config.kafka.brokers), {
    suspectAfterMs: config.ingest.kafkaSuspectAfterMs,
    stalledAfterMs: config.ingest.sendTimeoutMs,
  });
  const tooLarge = (error: unknown) => classifyKafkaError(error) === 'too-large';
  const commit = new GroupCommit(
    (records) => {
      metrics.kafkaBatchRecords.observe(records.length);
      return health.watch(sender.send(records), tooLarge);
    },
    {
      timeoutMs: config.ingest.sendTimeoutMs,
      maxBatchBytes: MAX_SEND_BYTES,
      maxOutstandingRecords: MAX_OUTSTANDING_RECORDS,
      unavailable: () => health.unavailableReason(),
    },
    classifyKafkaError,
  );
  health.onDown((reason) => {
    logger.warn({ reason }, 'Kafka is unreachable: answering 503 at once until it is back');
    // Those still queued would only wait out their timeouts behind the send that is stuck.
    commit.refuseQueued(reason);
  });

  return {
    config: config.ingest,
    http: config.http,
    catalog,
    metrics,
    version,
    keys: new CachedKeyResolver((key) => findIngestKeyOwner(pool, key), {
      ttlMs: config.ingest.keyCacheMs,
      staleIfErrorMs: config.ingest.keyStaleIfErrorMs,
    }),
    rateLimiter: new RedisTokenBuckets(redis),
    idempotency: new RedisIdempotencyStore(redis, {
      ttlSeconds: config.ingest.idempotencyTtlSeconds,
      // A marker must outlive the longest send, or a second request could start while the first may yet land.
      pendingTtlMs: config.ingest.sendTimeoutMs + 10_000,
      waitMs: config.ingest.idempotencyWaitMs,
    }),
    writer: new KafkaInteractionWriter(codec, topic, commit),
    readiness: {
      kafka: async () => {
        if (!sender.isConnected()) throw new Error('producer not connected');
        await health.check();
      },
      'schema-registry': async () => {
        if (!schemaRegistered) throw new Error(`schema of ${topic} not registered yet`);
      },
      // Reads the table ingest needs, so an unmigrated database shows up here and not as 503s on requests.
      postgres: async () => void (await pool.query('SELECT 1 FROM ingest_keys LIMIT 0')),
      redis: async () => void (await redis.ping()),
    },
    drain: () => commit.idle(),
    async close() {
      health.stop();
      // Every caller has had its answer by the send timeout. A send or connect still hanging after that (Kafka
      // away or not answering) has nothing left to deliver, and must not hold the shutdown hostage.
      await Promise.race([commit.idle(), sleep(config.ingest.sendTimeoutMs, undefined, { ref: false })]);
      const stopped = sender
        .stop()
        .catch((error: Error) => logger.warn({ err: error }, 'Kafka producer did not stop cleanly'));
      await Promise.race([stopped, sleep(STOP_GRACE_MS, undefined, { ref: false })]);
      redis.disconnect();
      await pool.end();
    },
  };
}
