/**
 * The ingest HTTP service, built from what it talks to. Everything it needs is handed in, so tests build
 * it against the real stack, against a Kafka that is not there, or against stubs, and main.ts wires the
 * production objects.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { loadConfig, type HttpServerConfig, type IngestConfig } from '../../config/index.js';
import type { EventCatalog } from '../../schemas/index.js';
import {
  answerOtherMethodsWith405,
  frameworkHttpError,
  hardenedServerOptions,
  UNMATCHED_ROUTE,
} from '../http/server.js';
import { ingestContract } from './contract.js';
import { HttpError, internalError } from './errors.js';
import type { IdempotencyStore } from './idempotency.js';
import type { KeyResolver } from './ingest-keys.js';
import type { IngestMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { interactionRoutes } from './routes/interactions.js';
import { openApiRoute } from './routes/openapi.js';
import { probeRoutes } from './routes/probes.js';
import type { RateLimiter } from './token-bucket.js';
import type { InteractionWriter } from './writer.js';

/** The name of this source in topics/topology.ts, written into every event's meta.producer.stage. */
export const STAGE = 'http-ingest';

export interface IngestDependencies {
  readonly config: IngestConfig;
  readonly catalog: EventCatalog;
  readonly keys: KeyResolver;
  readonly rateLimiter: RateLimiter;
  readonly idempotency: IdempotencyStore;
  readonly writer: InteractionWriter;
  readonly metrics: IngestMetrics;
  /** Readiness checks by name (kafka, postgres, redis, schema-registry). */
  readonly readiness: Readonly<Record<string, () => Promise<void>>>;
  /** How long a readiness check's answer is reused (routes/probes.ts); 1 s unless told. */
  readonly readinessCacheMs?: number;
  /** Timeouts on slow clients; the defaults of config/index.ts unless told. */
  readonly http?: HttpServerConfig;
  /** Of this service, for meta.producer.version and the OpenAPI document. */
  readonly version: string;
  readonly logger?: FastifyBaseLogger;
  readonly now?: () => number;
}

/** No route of ingest has a path parameter; this bounds what the router reads of any. */
const MAX_PARAM_LENGTH = 256;

export async function buildIngestApp(deps: IngestDependencies): Promise<FastifyInstance> {
  const { metrics } = deps;
  const count = (method: string, route: string, status: number) =>
    metrics.requests.inc({ method, route, status: String(status) });
  const http = deps.http ?? loadConfig({}).http;
  const app = Fastify({
    ...hardenedServerOptions({ http, maxParamLength: MAX_PARAM_LENGTH, count }),
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    // The contract forbids unknown fields and coercion, so a client learns about its mistakes; every
    // violation is reported at once. That costs time linear in a body whose size is capped by bodyLimit.
    ajv: {
      customOptions: {
        allErrors: true,
        coerceTypes: false,
        removeAdditional: false,
        useDefaults: true,
        allowUnionTypes: true,
      },
    },
    // Two log lines per request would cost more than the request; failures are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });
  const contract = ingestContract(deps.catalog, deps.config);
  const completeRoutes = answerOtherMethodsWith405(app);

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: unmatched paths would otherwise mint a label value each.
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    count(request.method, route, reply.statusCode);
    metrics.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(new HttpError(404, 'not_found', `no route ${request.method} ${request.url}`).body),
  );
  // Outside the interaction routes (which have their own): probes, the OpenAPI document, 404s and 405s.
  app.setErrorHandler((error, request, reply) => {
    let http = error instanceof HttpError ? error : frameworkHttpError(error);
    if (!http) {
      request.log.error({ err: error }, 'request failed unexpectedly');
      http = internalError();
    }
    return reply.code(http.status).send(http.body);
  });

  await app.register(interactionRoutes, {
    config: deps.config,
    contract,
    keys: deps.keys,
    rateLimiter: deps.rateLimiter,
    idempotency: deps.idempotency,
    writer: deps.writer,
    metrics,
    producer: { stage: STAGE, version: deps.version },
    now: deps.now ?? Date.now,
  });
  await app.register(probeRoutes, {
    checks: deps.readiness,
    registry: metrics.registry,
    // Callers it has verified lately are still served from the key cache (ingest-keys.ts).
    degradable: ['postgres'],
    ...(deps.readinessCacheMs !== undefined ? { cacheMs: deps.readinessCacheMs } : {}),
  });
  await app.register(openApiRoute, { document: openApiDocument(contract, deps.config, deps.version, http) });
  completeRoutes();
  return app;
}
