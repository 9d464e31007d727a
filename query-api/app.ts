/**
 * The query API, built from what it reads: the views the sinks keep, the search index (Elasticsearch) and the
 * live views (Redis). The ticket store is the system of record and the source of rebuilds, never read by a
 * request. Everything is handed in, so tests build it against the real stack and main.ts wires the production
 * objects.
 */
import type { Client } from '@elastic/elasticsearch';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import {
  ConfigError,
  loadConfig,
  type HttpServerConfig,
  type QueryApiConfig,
  type QueryRateLimits,
} from '../config/index.js';
import { openApiRoute } from '../connectors/http-ingest/routes/openapi.js';
import { probeRoutes } from '../connectors/http-ingest/routes/probes.js';
import {
  answerOtherMethodsWith405,
  frameworkHttpError,
  hardenedServerOptions,
  UNMATCHED_ROUTE,
} from '../connectors/http/server.js';
import { AnswerCache } from './answer-cache.js';
import { fromValidation, HttpError, unavailableStore } from './errors.js';
import type { JwtVerifier } from './jwt.js';
import { createQueryApiMetrics, type QueryApiMetrics } from './metrics.js';
import { RedisRequestLimiter, type RequestLimiter } from './rate-limit.js';
import { effectiveLimits, type LimitOverridesLookup } from './rate-limit-settings.js';
import { ID_MAX_LENGTH, openApiDocument, V1_ENDPOINTS } from './routes/schemas.js';
import { v1Routes, type KnowledgeSearch } from './routes/v1.js';

export interface QueryApiDependencies {
  readonly config: QueryApiConfig;
  readonly es: Client;
  readonly redis: Redis;
  readonly verify: JwtVerifier;
  readonly version: string;
  readonly metrics?: QueryApiMetrics;
  /** Timeouts on slow clients; the defaults of config/index.ts unless told. */
  readonly http?: HttpServerConfig;
  /** An org's own limits (PostgreSQL); without it every org has the defaults of `config.rateLimits`. */
  readonly limitOverrides?: LimitOverridesLookup;
  /** Where request limits are counted; the shared buckets in `redis` unless told. */
  readonly limiter?: RequestLimiter;
  /** How long a readiness check's answer is reused (probes.ts); 1 s unless told. */
  readonly readinessCacheMs?: number;
  /** The knowledge base GET /v1/kb/search answers from (in this process); that route answers 503 without it. */
  readonly knowledge?: KnowledgeSearch;
  /** The Elasticsearch index searched; `tf-tickets` unless told. */
  readonly searchIndex?: string;
  readonly logger?: FastifyBaseLogger;
  readonly now?: () => number;
}

/**
 * The router reads path parameters as sent, percent-encoded: an id of ID_MAX_LENGTH characters each written as
 * a 4-byte UTF-8 sequence (%XX%XX%XX%XX) fits, so every id the OpenAPI document allows reaches validation and
 * its 400 naming the rule; only longer ones are a 414.
 */
export const MAX_PARAM_LENGTH = ID_MAX_LENGTH * 12;

export async function buildQueryApp(deps: QueryApiDependencies): Promise<FastifyInstance> {
  const metrics = deps.metrics ?? createQueryApiMetrics();
  const now = deps.now ?? Date.now;
  const { config } = deps;
  const count = (method: string, route: string, status: number) =>
    metrics.requests.inc({ method, route, status: String(status) });
  checkEndpointNames(config);
  const app = Fastify({
    ...hardenedServerOptions({ http: deps.http ?? loadConfig({}).http, maxParamLength: MAX_PARAM_LENGTH, count }),
    // A request whose reads take longer is answered 503 rather than left to hold its client.
    handlerTimeout: config.handlerTimeoutMs,
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    ajv: { customOptions: { allErrors: true, coerceTypes: true, removeAdditional: false, useDefaults: true } },
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });
  const completeRoutes = answerOtherMethodsWith405(app);

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    count(request.method, route, reply.statusCode);
    metrics.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(new HttpError(404, 'not_found', `no route ${request.method} ${request.url}`).body),
  );
  app.setErrorHandler((error, request, reply) => {
    const e = error as { validation?: Parameters<typeof fromValidation>[0]; validationContext?: string; code?: string };
    let http =
      error instanceof HttpError
        ? error
        : e.validation
          ? fromValidation(e.validation, e.validationContext)
          : (frameworkHttpError(error) ?? unavailableStore(error));
    if (!http && e.code === 'FST_ERR_HANDLER_TIMEOUT') {
      http = new HttpError(
        503,
        'unavailable',
        `the stores did not answer within ${config.handlerTimeoutMs} ms; retry shortly`,
        {
          retryAfterSeconds: 1,
        },
      );
    }
    http ??= new HttpError(500, 'internal', 'the request failed on our side; it has been logged');
    if (http.status >= 500) request.log.error({ err: error }, 'request failed');
    if (http.extra.retryAfterSeconds) reply.header('retry-after', String(http.extra.retryAfterSeconds));
    return reply.code(http.status).send(http.body);
  });

  const limiter =
    deps.limiter ??
    new RedisRequestLimiter(deps.redis, {
      onFallback: (error) => {
        metrics.limiterFallbacks.inc();
        warnAtMostEvery(10_000, () =>
          app.log.warn({ err: error }, 'Redis did not answer: request limits are kept per instance meanwhile'),
        );
      },
    });
  const overrides = deps.limitOverrides;
  // The lookup answers the same overrides object until it reads PostgreSQL again: combine it with the defaults
  // once per object, not on every request.
  const combined = new WeakMap<object, QueryRateLimits>();
  const limitsWith = (own: Parameters<typeof effectiveLimits>[1]) => {
    let limits = combined.get(own);
    if (!limits) combined.set(own, (limits = effectiveLimits(config.rateLimits, own)));
    return limits;
  };
  await app.register(v1Routes, {
    answers: new AnswerCache(config.indexAnswerCacheMs),
    es: deps.es,
    redis: deps.redis,
    verify: deps.verify,
    limiter,
    limitsOf: async (orgId) => (overrides ? limitsWith(await overrides(orgId)) : config.rateLimits),
    metrics,
    ...(deps.searchIndex ? { searchIndex: deps.searchIndex } : {}),
    ...(deps.knowledge ? { knowledge: deps.knowledge } : {}),
    now,
  });
  await app.register(probeRoutes, {
    ...(deps.readinessCacheMs !== undefined ? { cacheMs: deps.readinessCacheMs } : {}),
    checks: {
      // Health rather than ping: this stack's Elasticsearch answers HEAD / with 405.
      elasticsearch: async () => {
        const { status } = await deps.es.cluster.health({ timeout: '1s' });
        if (status === 'red') throw new Error('cluster health is red');
      },
      redis: async () => void (await deps.redis.ping()),
      ...(deps.knowledge
        ? {
            knowledge: async () => {
              if (!deps.knowledge!.caughtUp()) throw new Error('not caught up with the chunks topic yet');
            },
          }
        : {}),
    },
    registry: metrics.registry,
  });
  await app.register(openApiRoute, {
    document: openApiDocument(deps.version, {
      http: deps.http ?? loadConfig({}).http,
      maxParamLength: MAX_PARAM_LENGTH,
    }),
  });
  completeRoutes();
  return app;
}

/** A limit for an endpoint the API does not have would limit nothing: most likely a typo. */
function checkEndpointNames(config: QueryApiConfig): void {
  const sources = [
    ['QUERY_API_ENDPOINT_RATE_LIMITS', config.rateLimits.orgEndpoints],
    ['QUERY_API_USER_ENDPOINT_RATE_LIMITS', config.rateLimits.userEndpoints],
  ] as const;
  for (const [name, limits] of sources) {
    for (const endpoint of Object.keys(limits)) {
      if (!V1_ENDPOINTS.includes(endpoint)) {
        throw new ConfigError(`${name}: ${endpoint} is not an endpoint of the query API (${V1_ENDPOINTS.join(', ')})`);
      }
    }
  }
}

let lastWarning = 0;
function warnAtMostEvery(ms: number, warn: () => void): void {
  if (Date.now() - lastWarning < ms) return;
  lastWarning = Date.now();
  warn();
}
