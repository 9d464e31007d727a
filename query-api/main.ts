/**
 * `npm run query-api`: the read API over the ticket store, search index and live views. On SIGTERM or SIGINT
 * it stops taking requests, answers the ones in hand, closes its connections and exits within the deadline.
 */
import { errorSerializers } from '../processors/runtime/log-errors.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { stopOnSignals } from '../processors/runtime/shutdown.js';
import { LoadingOnnxEmbedder } from '../processors/retrieve/embeddings/embedder.js';
import { searchKnowledgeBase } from '../processors/retrieve/hybrid/kb-search.js';
import { followKnowledgeBase } from '../processors/retrieve/hybrid/knowledge-table.js';
import { HybridRetriever } from '../processors/retrieve/hybrid/retriever.js';
import { EventCodec } from '../processors/runtime/codec.js';
import { createKafka } from '../processors/runtime/kafka.js';
import { ConfigError, loadConfig, repoRoot, type QueryApiJwtConfig } from '../config/index.js';
import { buildQueryApp } from './app.js';
import { createJwtVerifier, type JwtVerifier } from './jwt.js';
import { createQueryApiMetrics } from './metrics.js';
import { createLimitOverridesLookup } from './rate-limit-settings.js';

const config = loadConfig();
const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
const logger = pino({
  level: config.logLevel,
  base: { service: 'query-api', version, pid: process.pid },
  serializers: errorSerializers,
});

function verifierFor(jwt: QueryApiJwtConfig): JwtVerifier {
  const common = {
    issuer: jwt.issuer,
    audience: jwt.audience,
    clockSkewSeconds: jwt.clockSkewSeconds,
    maxLifetimeSeconds: jwt.maxLifetimeSeconds,
  };
  if (jwt.algorithm === 'HS256') {
    if (jwt.usingDevSecret) {
      logger.warn('QUERY_API_JWT_SECRET is not set: accepting tokens signed with the public DEV secret');
    }
    return createJwtVerifier({ ...common, algorithm: 'HS256', secret: jwt.secret });
  }
  let pem: string;
  try {
    pem = readFileSync(jwt.publicKeyPath, 'utf8');
  } catch (error) {
    throw new ConfigError(`QUERY_API_JWT_PUBLIC_KEY_PATH=${jwt.publicKeyPath}: ${(error as Error).message}`);
  }
  return createJwtVerifier({ ...common, algorithm: 'RS256', publicKey: pem });
}

const verify = verifierFor(config.queryApi.jwt);
const es = new Client({ node: config.elasticsearch.url, requestTimeout: 10_000 });
// Auto-pipelining sends the commands of concurrent requests in one write: one round trip per request still, far
// fewer system calls under load.
const redis = new Redis(config.redis.url, {
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
  enableAutoPipelining: true,
});
redis.on('error', (err) => logger.warn({ err }, 'redis connection error'));
// Only for each org's own request limits, read at most every 30 s per org.
const pool = new pg.Pool({
  connectionString: config.postgres.url,
  max: 2,
  connectionTimeoutMillis: 2000,
  query_timeout: 2000,
});
pool.on('error', (err) => logger.warn({ err }, 'idle PostgreSQL client failed'));

// Requests before Redis is connected would be refused (no offline queue): listen once it is, or after 10 s (then
// /readyz says why).
if (redis.status !== 'ready') {
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 10_000);
    redis.once('ready', () => resolve(clearTimeout(timer)));
  });
}

// The knowledge base GET /v1/kb/search answers from: the chunks topic followed in full by this process, as every
// retrieve instance does, so the API serves the same retrieval as the stage.
const embedder = new LoadingOnnxEmbedder(config.retrieval.embeddingModelDir, {
  threads: config.retrieval.embeddingThreads,
  maxTokens: config.retrieval.embeddingMaxTokens,
});
const followed = followKnowledgeBase(
  createKafka(config, logger, `${config.kafka.clientId}-query-api-kb`),
  EventCodec.connect(config.schemaRegistry.url),
  embedder,
  { logger: logger },
);
const retriever = new HybridRetriever(followed.table.knowledge, embedder);
let caughtUp = false;
let stopping = false;
void (async () => {
  // Until the first catch-up the route answers 503 and /readyz says why; a broker away is retried.
  for (let attempt = 0; !caughtUp && !stopping; attempt++) {
    try {
      await followed.table.ready();
      caughtUp = true;
      logger.info({ orgs: followed.table.knowledge.orgIds.length }, 'knowledge base caught up');
    } catch (err) {
      if (attempt % 10 === 0) logger.warn({ err }, 'knowledge base not caught up yet');
      // A broker away opens the table's breaker: probe until it answers again, then catch up.
      await followed.dependency.waitUntilAvailable({ shouldStop: () => stopping });
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
})();

const metrics = createQueryApiMetrics();
const app = await buildQueryApp({
  config: config.queryApi,
  http: config.http,
  es,
  redis,
  verify,
  version,
  logger,
  metrics,
  knowledge: {
    caughtUp: () => caughtUp,
    search: async (orgId, question, options) => (await searchKnowledgeBase(retriever, orgId, [question], options))[0]!,
  },
  limitOverrides: createLimitOverridesLookup({
    db: pool,
    onError: (err) => {
      metrics.limitSettingsErrors.inc();
      logger.warn({ err }, "cannot read an org's request limits; its last known (or the default) limits apply");
    },
  }),
});
const address = await app.listen({ host: config.queryApi.host, port: config.queryApi.port });
logger.info({ address, openapi: `${address}/openapi.json` }, 'query-api listening');

stopOnSignals(
  async () => {
    stopping = true;
    await app.close();
    await Promise.allSettled([es.close(), redis.quit(), pool.end(), followed.follower.stop()]);
    await embedder.close();
  },
  { deadlineMs: config.processor.shutdownDeadlineMs, logger },
);
