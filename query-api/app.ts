/**
 * The query API, built from what it reads: the ticket store (Mongo), the search index (Elasticsearch) and the
 * live views (Redis). Everything is handed in, so tests build it against the real stack and main.ts wires the
 * production objects.
 */
import type { Client } from '@elastic/elasticsearch';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import type { QueryApiConfig } from '../config/index.js';
import { openApiRoute } from '../connectors/http-ingest/routes/openapi.js';
import { probeRoutes } from '../connectors/http-ingest/routes/probes.js';
import { fromValidation, HttpError } from './errors.js';
import type { JwtVerifier } from './jwt.js';
import { createQueryApiMetrics, type QueryApiMetrics } from './metrics.js';
import { OrgRateLimiter } from './rate-limit.js';
import { openApiDocument } from './routes/schemas.js';
import { v1Routes } from './routes/v1.js';

export interface QueryApiDependencies {
  readonly config: QueryApiConfig;
  readonly db: Db;
  readonly es: Client;
  readonly redis: Redis;
  readonly verify: JwtVerifier;
  readonly version: string;
  readonly metrics?: QueryApiMetrics;
  /** The Elasticsearch index searched; `tf-tickets` unless told. */
  readonly searchIndex?: string;
  readonly logger?: FastifyBaseLogger;
  readonly now?: () => number;
}

export async function buildQueryApp(deps: QueryApiDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    ajv: { customOptions: { allErrors: true, coerceTypes: true, removeAdditional: false, useDefaults: true } },
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });
  const metrics = deps.metrics ?? createQueryApiMetrics();
  const now = deps.now ?? Date.now;

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url}` }),
  );
  app.setErrorHandler((error, request, reply) => {
    const e = error as { validation?: Parameters<typeof fromValidation>[0]; validationContext?: string };
    const http =
      error instanceof HttpError
        ? error
        : e.validation
          ? fromValidation(e.validation, e.validationContext)
          : new HttpError(500, 'internal', 'the request failed on our side; it has been logged');
    if (http.status >= 500) request.log.error({ err: error }, 'request failed');
    if (http.extra.retryAfterSeconds) reply.header('retry-after', String(http.extra.retryAfterSeconds));
    return reply.code(http.status).send(http.body);
  });

  await app.register(v1Routes, {
    db: deps.db,
    es: deps.es,
    redis: deps.redis,
    verify: deps.verify,
    rateLimiter: new OrgRateLimiter(deps.config.rateLimitPerMinute, now),
    metrics,
    ...(deps.searchIndex ? { searchIndex: deps.searchIndex } : {}),
    now,
  });
  await app.register(probeRoutes, {
    checks: {
      mongo: async () => void (await deps.db.command({ ping: 1 })),
      // Health rather than ping: this stack's Elasticsearch answers HEAD / with 405.
      elasticsearch: async () => {
        const { status } = await deps.es.cluster.health({ timeout: '1s' });
        if (status === 'red') throw new Error('cluster health is red');
      },
      redis: async () => void (await deps.redis.ping()),
    },
    registry: metrics.registry,
  });
  await app.register(openApiRoute, { document: openApiDocument(deps.version) });
  return app;
}
