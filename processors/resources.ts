/**
 * The servers a processor process talks to, each client created on first use and shared by every stage the
 * process hosts, each behind a `Dependency` (circuit breaker and probe) so an outage pauses the stages that need
 * it instead of dead-lettering their inputs. Clients are configured to fail fast while a server is away (no
 * offline queues, bounded connect and request timeouts): the breaker, not the driver, decides how long to wait.
 */
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Metric } from 'prom-client';
import type { Config } from '../config/index.js';
import { AnswerCache, createAnswerCacheMetrics } from './respond/answer-cache.js';
import { RedisAnswerStore } from './respond/answer-store.js';
import { LoadingOnnxEmbedder, type Embedder } from './retrieve/embeddings/embedder.js';
import { KnowledgeBase } from './retrieve/hybrid/knowledge-base.js';
import {
  followedKnowledgeTable,
  knowledgeRecordsApplier,
  type KnowledgeTable,
} from './retrieve/hybrid/knowledge-table.js';
import { EventCodec } from './runtime/codec.js';
import { Dependency } from './runtime/dependency.js';
import { createKafka } from './runtime/kafka.js';
import { TopicFollower, type TopicFollowerOptions } from './runtime/topic-follower.js';
import { TOPIC } from '../topics/topology.js';

export class Resources {
  private readonly made = new Map<string, { dependency: Dependency; close: () => Promise<unknown> }>();
  private pool?: pg.Pool;
  private redisClient?: Redis;
  private es?: Client;
  private mongoClient?: MongoClient;
  private eventCodec?: EventCodec;
  private sentenceEmbedder?: LoadingOnnxEmbedder;
  private knowledge?: KnowledgeTable;
  private answers?: AnswerCache | null;
  /** Metrics of what the process's stages share (the answer cache), served beside the runtime's own. */
  readonly metrics: Metric[] = [];
  private readonly stoppers: Array<() => void | Promise<void>> = [];

  constructor(
    readonly config: Config,
    readonly logger: Logger,
  ) {}

  get dependencies(): Dependency[] {
    return [...this.made.values()].map((m) => m.dependency);
  }

  postgres(): { pool: pg.Pool; dependency: Dependency } {
    if (!this.pool) {
      const pool = new pg.Pool({
        connectionString: this.config.postgres.url,
        max: this.config.postgres.poolMax,
        // The default waits for a connection forever, which would hide an outage behind a hang.
        connectionTimeoutMillis: 5000,
        query_timeout: 15_000,
      });
      pool.on('error', (error) => this.logger.warn({ err: error }, 'idle PostgreSQL connection failed'));
      this.pool = pool;
      this.register(
        'postgres',
        () => pool.query('SELECT 1'),
        () => pool.end(),
      );
    }
    return { pool: this.pool, dependency: this.made.get('postgres')!.dependency };
  }

  redis(): { client: Redis; dependency: Dependency } {
    if (!this.redisClient) {
      // No offline queue: a command fails at once while Redis is away, and the breaker decides about waiting.
      const client = new Redis(this.config.redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      // Without a listener ioredis reports every failed reconnection as an unhandled error event.
      client.on('error', (error: Error) => this.logger.debug({ err: error }, 'redis connection failed'));
      this.redisClient = client;
      this.register(
        'redis',
        () => client.ping(),
        async () => client.disconnect(),
      );
    }
    return { client: this.redisClient, dependency: this.made.get('redis')!.dependency };
  }

  elasticsearch(): { client: Client; dependency: Dependency } {
    if (!this.es) {
      const client = new Client({ node: this.config.elasticsearch.url, requestTimeout: 30_000, maxRetries: 1 });
      this.es = client;
      this.register(
        'elasticsearch',
        // Health rather than ping: this stack's Elasticsearch answers HEAD / with 405.
        async () => {
          const { status } = await client.cluster.health({ timeout: '2s' });
          if (status === 'red') throw new Error('cluster health is red');
        },
        () => client.close(),
      );
    }
    return { client: this.es, dependency: this.made.get('elasticsearch')!.dependency };
  }

  /** The driver connects on first use, so a store that is away at start-up is waited out like any outage. */
  mongo(): { db: Db; dependency: Dependency } {
    if (!this.mongoClient) {
      const client = new MongoClient(this.config.mongo.url, {
        serverSelectionTimeoutMS: 5000,
        appName: `ticketflow-${this.config.processor.instanceId}`,
      });
      this.mongoClient = client;
      this.register(
        'ticket-store',
        () => client.db(this.config.mongo.database).command({ ping: 1 }),
        () => client.close(),
      );
    }
    return {
      db: this.mongoClient.db(this.config.mongo.database),
      dependency: this.made.get('ticket-store')!.dependency,
    };
  }

  /** The schema-registry codec for what the process reads outside its stages' own inputs (followed topics). */
  codec(): EventCodec {
    this.eventCodec ??= EventCodec.connect(this.config.schemaRegistry.url);
    return this.eventCodec;
  }

  /**
   * A follower of a whole topic (runtime/topic-follower.ts), behind a dependency named `name`: a catch-up that
   * cannot finish (the broker away) pauses the stage until the topic can be read again.
   */
  followTopic(
    name: string,
    topic: string,
    options: Omit<TopicFollowerOptions, 'logger'>,
  ): { follower: TopicFollower; dependency: Dependency } {
    const kafka = createKafka(this.config, this.logger, `${this.config.kafka.clientId}-${name}`);
    const follower = new TopicFollower(kafka, topic, { ...options, logger: this.logger });
    this.register(
      name,
      () => follower.probe(),
      () => follower.stop(),
    );
    return { follower, dependency: this.made.get(name)!.dependency };
  }

  /** The sentence-embedding model, one session per process; fails at once when it is not installed. */
  embedder(): Embedder {
    if (!this.sentenceEmbedder) {
      const { embeddingModelDir, embeddingThreads, embeddingMaxTokens } = this.config.retrieval;
      this.sentenceEmbedder = new LoadingOnnxEmbedder(embeddingModelDir, {
        threads: embeddingThreads,
        maxTokens: embeddingMaxTokens,
      });
    }
    return this.sentenceEmbedder;
  }

  /**
   * The knowledge base in this process (retrieve/hybrid/knowledge-table.ts): the chunks topic followed in full and
   * indexed per org, its vectors those the chunk stage computed with this process's model. Its first catch-up
   * starts now, and the process is not ready until it is done.
   */
  knowledgeTable(): KnowledgeTable {
    if (!this.knowledge) {
      const embedder = this.embedder();
      const knowledge = new KnowledgeBase({ dimension: embedder.dimension });
      const { follower, dependency } = this.followTopic('knowledge-table', TOPIC.knowledgeChunk, {
        apply: knowledgeRecordsApplier(knowledge, this.codec(), embedder, this.logger),
      });
      const table = followedKnowledgeTable(knowledge, follower, dependency);
      this.knowledge = table;
      table.ready().catch((error: unknown) => this.logger.warn({ err: error }, 'knowledge base not caught up yet'));
    }
    return this.knowledge;
  }

  /**
   * The answer cache (respond/answer-cache.ts) on the process's Redis, one per process: the respond stage reads and
   * writes it, the chunk stage invalidates it. Null when it is turned off (ANSWER_CACHE=off).
   */
  answerCache(): AnswerCache | null {
    if (this.answers === undefined) {
      const { enabled, ttlSeconds, timeoutMs } = this.config.answerCache;
      if (!enabled) {
        this.answers = null;
      } else {
        const { client, dependency } = this.redis();
        const metrics = createAnswerCacheMetrics();
        this.metrics.push(...Object.values(metrics));
        this.answers = new AnswerCache({
          store: new RedisAnswerStore(client),
          dependency,
          ttlSeconds,
          timeoutMs,
          metrics,
          logger: this.logger,
        });
      }
    }
    return this.answers;
  }

  /** Why the process should not take traffic yet, beyond its stages and dependencies (a table still loading). */
  notReadyReasons(): string[] {
    return this.knowledge?.notReadyReasons() ?? [];
  }

  /**
   * Runs `stop` when the process closes its resources, before the clients close: for pollers using them, and
   * for writers with a last write to make (awaited).
   */
  onClose(stop: () => void | Promise<void>): void {
    this.stoppers.push(stop);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.stoppers.splice(0).map(async (stop) => stop()));
    await Promise.allSettled([...this.made.values()].map((m) => m.close()));
    await this.sentenceEmbedder?.close();
  }

  private register(name: string, probe: () => Promise<unknown>, close: () => Promise<unknown>): void {
    this.made.set(name, { dependency: new Dependency(name, { probe }), close });
  }
}
