/**
 * The ingest HTTP service, built from what it talks to. Everything it needs is handed in, so tests build
 * it against the real stack, against a Kafka that is not there, or against stubs, and main.ts wires the
 * production objects.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { IngestConfig } from '../../config/index.js';
import type { EventCatalog } from '../../schemas/index.js';
import { ingestContract } from './contract.js';
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
  /** Of this service, for meta.producer.version and the OpenAPI document. */
  readonly version: string;
  readonly logger?: FastifyBaseLogger;
  readonly now?: () => number;
}

export async function buildIngestApp(deps: IngestDependencies): Promise<FastifyInstance> {
  const app = Fastify({
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
  const { metrics } = deps;

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: unmatched paths would otherwise mint a label value each.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url}` }),
  );

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
  await app.register(probeRoutes, { checks: deps.readiness, registry: metrics.registry });
  await app.register(openApiRoute, { document: openApiDocument(contract, deps.config, deps.version) });
  return app;
}
