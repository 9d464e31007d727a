import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, DEV_QUERY_API_JWT_SECRET, loadConfig } from './index.js';

test('defaults point at the local stack', () => {
  const config = loadConfig({});
  assert.deepEqual(config.kafka.brokers, ['127.0.0.1:9092']);
  assert.equal(config.schemaRegistry.url, 'http://127.0.0.1:8081/apis/ccompat/v7');
  assert.equal(config.postgres.url, 'postgres://ticketflow@127.0.0.1:5432/ticketflow');
  assert.equal(config.redis.url, 'redis://127.0.0.1:6379');
  assert.equal(config.elasticsearch.url, 'http://127.0.0.1:9200');
  assert.equal(config.mongo.url, 'mongodb://127.0.0.1:27017/');
  assert.equal(config.stack.ports.prometheus, 9090);
});

test('a changed port moves both the server and the client default', () => {
  const config = loadConfig({ TICKETFLOW_REDIS_PORT: '6400' });
  assert.equal(config.stack.ports.redis, 6400);
  assert.equal(config.redis.url, 'redis://127.0.0.1:6400');
});

test('explicit client URLs win over the derived defaults', () => {
  const config = loadConfig({ KAFKA_BROKERS: 'a:1, b:2', REDIS_URL: 'rediss://cache:6380' });
  assert.deepEqual(config.kafka.brokers, ['a:1', 'b:2']);
  assert.equal(config.redis.url, 'rediss://cache:6380');
});

const rejects: Array<[Record<string, string>, RegExp]> = [
  [{ TICKETFLOW_KAFKA_PORT: 'abc' }, /^TICKETFLOW_KAFKA_PORT="abc": must be an integer$/],
  [{ TICKETFLOW_REDIS_PORT: '70000' }, /^TICKETFLOW_REDIS_PORT=70000: must be between 1 and 65535$/],
  [{ TICKETFLOW_MONGO_PORT: '5432' }, /ports of postgres and mongo are both 5432/],
  [{ TICKETFLOW_PROMETHEUS_PORT: '9092' }, /ports of kafka and prometheus are both 9092/],
  [{ KAFKA_BROKERS: 'localhost' }, /^KAFKA_BROKERS: "localhost" must be host:port/],
  [{ REDIS_URL: 'http://x' }, /^REDIS_URL="http:\/\/x": protocol must be one of redis:, rediss:$/],
  [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL="not a url": must be a URL$/],
  [{ TICKETFLOW_ELASTICSEARCH_HEAP_MB: '10' }, /^TICKETFLOW_ELASTICSEARCH_HEAP_MB=10: must be between 256 and 16384$/],
];

for (const [env, message] of rejects) {
  test(`rejects ${JSON.stringify(env)} naming the variable and the rule`, () => {
    assert.throws(
      () => loadConfig(env),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
    );
  });
}

test('ingest defaults: loopback, bounded bodies and batches, a token bucket per org, keys remembered a day', () => {
  const { ingest, postgres } = loadConfig({});
  assert.equal(ingest.host, '127.0.0.1');
  assert.equal(ingest.port, 8080);
  assert.equal(ingest.batchMaxItems, 500);
  assert.ok(ingest.batchBodyLimitBytes < 1024 * 1024, 'a batch fits the broker default message.max.bytes');
  assert.equal(ingest.idempotencyTtlSeconds, 86_400);
  assert.deepEqual([ingest.ratePerSecond, ingest.burst], [200, 1000]);
  assert.equal(postgres.poolMax, 10);
});

test('ingest settings come from their variables', () => {
  const { ingest } = loadConfig({ INGEST_PORT: '0', INGEST_BATCH_MAX_ITEMS: '20', INGEST_SEND_TIMEOUT_MS: '250' });
  assert.deepEqual([ingest.port, ingest.batchMaxItems, ingest.sendTimeoutMs], [0, 20, 250]);
});

const ingestRejects: Array<[Record<string, string>, RegExp]> = [
  [{ INGEST_BATCH_MAX_ITEMS: '0' }, /^INGEST_BATCH_MAX_ITEMS=0: must be between 1 and 10000$/],
  [{ INGEST_BATCH_BODY_LIMIT_BYTES: '2000000' }, /^INGEST_BATCH_BODY_LIMIT_BYTES=2000000: must be between/],
  [{ INGEST_SEND_TIMEOUT_MS: 'soon' }, /^INGEST_SEND_TIMEOUT_MS="soon": must be an integer$/],
  [{ PG_POOL_MAX: '0' }, /^PG_POOL_MAX=0: must be between 1 and 1000$/],
];

for (const [env, message] of ingestRejects) {
  test(`rejects ${JSON.stringify(env)} naming the variable and the rule`, () => {
    assert.throws(
      () => loadConfig(env),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
    );
  });
}

test('query API defaults: loopback on 8090, HS256 with the marked dev secret, no iss/aud, limits per org and user', () => {
  const { queryApi } = loadConfig({});
  assert.equal(queryApi.host, '127.0.0.1');
  assert.equal(queryApi.port, 8090);
  assert.equal(queryApi.jwt.algorithm, 'HS256');
  assert.ok(queryApi.jwt.algorithm === 'HS256' && queryApi.jwt.usingDevSecret);
  assert.ok(queryApi.jwt.algorithm === 'HS256' && queryApi.jwt.secret === DEV_QUERY_API_JWT_SECRET);
  assert.deepEqual([queryApi.jwt.issuer, queryApi.jwt.audience, queryApi.jwt.clockSkewSeconds], [null, null, 30]);
  assert.equal(queryApi.jwt.maxLifetimeSeconds, 86_400);
  assert.deepEqual(queryApi.rateLimits, {
    org: 1200,
    user: 600,
    orgEndpoints: {},
    userEndpoints: { '/v1/search': 300 },
  });
  assert.ok(queryApi.rateLimits.user < queryApi.rateLimits.org, 'one user cannot use up the whole org');
});

test('HTTP timeouts bound slow clients, and the request timeout covers the headers one', () => {
  assert.deepEqual(loadConfig({}).http, {
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepAliveTimeoutMs: 72_000,
  });
  assert.throws(
    () => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '1000' }),
    /^ConfigError: HTTP_REQUEST_TIMEOUT_MS=1000: must be at least HTTP_HEADERS_TIMEOUT_MS \(5000\)$/,
  );
});

test('query API settings come from their variables', () => {
  const hs = loadConfig({
    QUERY_API_PORT: '9000',
    QUERY_API_JWT_SECRET: 'x'.repeat(40),
    QUERY_API_JWT_ISSUER: 'https://idp.example',
    QUERY_API_JWT_AUDIENCE: 'ticketflow-query',
    QUERY_API_RATE_LIMIT_PER_MINUTE: '60',
    QUERY_API_USER_RATE_LIMIT_PER_MINUTE: '30',
    QUERY_API_ENDPOINT_RATE_LIMITS: '/v1/queues=20',
    QUERY_API_USER_ENDPOINT_RATE_LIMITS: '/v1/search=10, /v1/tickets=25',
    QUERY_API_JWT_MAX_LIFETIME_SECONDS: '3600',
  }).queryApi;
  assert.equal(hs.port, 9000);
  assert.ok(hs.jwt.algorithm === 'HS256' && hs.jwt.secret === 'x'.repeat(40) && !hs.jwt.usingDevSecret);
  assert.deepEqual(
    [hs.jwt.issuer, hs.jwt.audience, hs.jwt.maxLifetimeSeconds],
    ['https://idp.example', 'ticketflow-query', 3600],
  );
  assert.deepEqual(hs.rateLimits, {
    org: 60,
    user: 30,
    orgEndpoints: { '/v1/queues': 20 },
    userEndpoints: { '/v1/search': 10, '/v1/tickets': 25 },
  });
  const rs = loadConfig({
    QUERY_API_JWT_ALGORITHM: 'RS256',
    QUERY_API_JWT_PUBLIC_KEY_PATH: '/etc/tf/jwt.pem',
  }).queryApi;
  assert.ok(rs.jwt.algorithm === 'RS256' && rs.jwt.publicKeyPath === '/etc/tf/jwt.pem');
});

const queryApiRejects: Array<[Record<string, string>, RegExp]> = [
  [{ QUERY_API_PORT: '70000' }, /^QUERY_API_PORT=70000: must be between 0 and 65535$/],
  [{ QUERY_API_JWT_ALGORITHM: 'none' }, /^QUERY_API_JWT_ALGORITHM="none": must be one of HS256, RS256$/],
  [{ QUERY_API_JWT_SECRET: 'short' }, /^QUERY_API_JWT_SECRET: must be at least 32 bytes for HS256$/],
  [
    { QUERY_API_JWT_ALGORITHM: 'RS256' },
    /^QUERY_API_JWT_PUBLIC_KEY_PATH: is required when QUERY_API_JWT_ALGORITHM=RS256$/,
  ],
  [{ QUERY_API_JWT_PUBLIC_KEY_PATH: 'k.pem' }, /^QUERY_API_JWT_PUBLIC_KEY_PATH: must not be set when/],
  [
    { QUERY_API_JWT_ALGORITHM: 'RS256', QUERY_API_JWT_PUBLIC_KEY_PATH: 'k.pem', QUERY_API_JWT_SECRET: 'x'.repeat(40) },
    /^QUERY_API_JWT_SECRET: must not be set when QUERY_API_JWT_ALGORITHM=RS256$/,
  ],
  [{ QUERY_API_RATE_LIMIT_PER_MINUTE: '0' }, /^QUERY_API_RATE_LIMIT_PER_MINUTE=0: must be between 1 and 10000000$/],
  [
    { QUERY_API_USER_ENDPOINT_RATE_LIMITS: '/v1/search' },
    /^QUERY_API_USER_ENDPOINT_RATE_LIMITS: "\/v1\/search" must be PATH=REQUESTS_PER_MINUTE/,
  ],
  [{ QUERY_API_ENDPOINT_RATE_LIMITS: '/v1/a=1,/v1/a=2' }, /^QUERY_API_ENDPOINT_RATE_LIMITS: names \/v1\/a twice$/],
  [
    { QUERY_API_JWT_MAX_LIFETIME_SECONDS: '10' },
    /^QUERY_API_JWT_MAX_LIFETIME_SECONDS=10: must be between 60 and 2592000$/,
  ],
  [{ QUERY_API_JWT_CLOCK_SKEW_SECONDS: 'a' }, /^QUERY_API_JWT_CLOCK_SKEW_SECONDS="a": must be an integer$/],
];

for (const [env, message] of queryApiRejects) {
  test(`rejects ${JSON.stringify(env)} naming the variable and the rule`, () => {
    assert.throws(
      () => loadConfig(env),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
    );
  });
}

test('the embedding model lives under the state folder unless its own variable names a folder', () => {
  const defaults = loadConfig({ TICKETFLOW_STATE_DIR: '/var/tf' }).retrieval;
  assert.equal(defaults.embeddingModelDir, '/var/tf/dist/embedding-model');
  assert.equal(defaults.embeddingThreads, 1);
  assert.equal(defaults.embeddingMaxTokens, 512);
  const own = loadConfig({ TICKETFLOW_EMBEDDING_MODEL_DIR: '/models/e5', EMBEDDING_THREADS: '2' }).retrieval;
  assert.equal(own.embeddingModelDir, '/models/e5');
  assert.equal(own.embeddingThreads, 2);
  assert.throws(
    () => loadConfig({ EMBEDDING_MAX_TOKENS: '1024' }),
    /^ConfigError: EMBEDDING_MAX_TOKENS=1024: must be between 8 and 512$/,
  );
});

test('the answer cache is on for an hour by default, with a 50 ms bound on each Redis call', () => {
  assert.deepEqual(loadConfig({}).answerCache, { enabled: true, ttlSeconds: 3600, timeoutMs: 50 });
  const own = loadConfig({ ANSWER_CACHE: 'off', ANSWER_CACHE_TTL_SECONDS: '60', ANSWER_CACHE_TIMEOUT_MS: '5' });
  assert.deepEqual(own.answerCache, { enabled: false, ttlSeconds: 60, timeoutMs: 5 });
  assert.throws(() => loadConfig({ ANSWER_CACHE: 'yes' }), /ANSWER_CACHE="yes": must be one of on, off/);
  assert.throws(() => loadConfig({ ANSWER_CACHE_TTL_SECONDS: '0' }), /ANSWER_CACHE_TTL_SECONDS=0/);
});

test('respond drafts with the local model, then extractively, unless told otherwise; the cloud tier is off', () => {
  const { respond } = loadConfig({});
  assert.deepEqual(respond.tiers, ['local', 'extractive']);
  assert.match(respond.local.modelPath, /\.stack\/dist\/llm\/gemma-3-270m-q4_k_m\.gguf$/);
  assert.equal(respond.local.concurrency, 1);
  assert.equal(respond.cloud.baseUrl, null);
  const cloud = loadConfig({
    RESPOND_TIERS: 'cloud, local, extractive',
    OPENAI_BASE_URL: 'http://127.0.0.1:1234/v1',
    OPENAI_MODEL: 'm',
    OPENAI_API_KEY: 'k',
  }).respond;
  assert.deepEqual(cloud.tiers, ['cloud', 'local', 'extractive']);
  assert.equal(cloud.cloud.baseUrl, 'http://127.0.0.1:1234/v1');
  assert.equal(cloud.cloud.apiKey, 'k');
});

test('RESPOND_TIERS must name known tiers once and end with extractive; cloud needs OPENAI_BASE_URL', () => {
  assert.throws(() => loadConfig({ RESPOND_TIERS: 'local' }), /must end with extractive/);
  assert.throws(() => loadConfig({ RESPOND_TIERS: 'gpt,extractive' }), /"gpt" is none of/);
  assert.throws(() => loadConfig({ RESPOND_TIERS: 'local,local,extractive' }), /names a tier twice/);
  assert.throws(() => loadConfig({ RESPOND_TIERS: 'cloud,extractive' }), ConfigError);
  assert.throws(() => loadConfig({ RESPOND_TIERS: 'cloud,extractive' }), /needs OPENAI_BASE_URL/);
});
