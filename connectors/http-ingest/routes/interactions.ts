/**
 * `POST /v1/interactions` and `POST /v1/interactions/batch`, as one encapsulated fastify plugin: its JSON-only
 * body parsing, its authentication hook and its error format apply to these routes alone, never to the
 * probes or the OpenAPI document registered beside it.
 *
 * A request passes, in order: ingest key (401) → content type, size and JSON (415, 413, 400) → schema (400)
 * → Idempotency-Key (replay, 409, 422) → the org's token bucket (429) → Kafka (503) → 202. The idempotency
 * check comes before the bucket, so a replay costs no tokens; a request that fails after claiming its key
 * releases it, so the client's retry is processed afresh.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { IngestConfig } from '../../../config/index.js';
import type { EventProducer } from '../../../schemas/index.js';
import type { IngestContract } from '../contract.js';
import { illFormedStrings, invalidRequest } from '../../http/errors.js';
import { HttpError, fromFastifyError, internalError, retryAdvice, unavailable } from '../errors.js';
import { requestFingerprint } from '../fingerprint.js';
import type { IdempotencyStore } from '../idempotency.js';
import type { IdempotentOrigin } from '../ids.js';
import { credentialOf, type IngestKeyOwner, type KeyResolver } from '../ingest-keys.js';
import { buildInteractions, type InteractionInput } from '../interaction.js';
import type { IngestMetrics } from '../metrics.js';
import { retryAfterSeconds, type RateLimiter } from '../token-bucket.js';
import type { InteractionWriter } from '../writer.js';

export interface InteractionRoutesOptions {
  readonly config: IngestConfig;
  readonly contract: IngestContract;
  readonly keys: KeyResolver;
  readonly rateLimiter: RateLimiter;
  readonly idempotency: IdempotencyStore;
  readonly writer: InteractionWriter;
  readonly metrics: IngestMetrics;
  readonly producer: EventProducer;
  readonly now: () => number;
}

export const SINGLE_ROUTE = '/v1/interactions';
export const BATCH_ROUTE = '/v1/interactions/batch';
const CORRELATION_HEADER = 'x-correlation-id';
const CORRELATION_ID = /^[\x21-\x7E]{1,128}$/;
const SAME_BODY_RULE = {
  in: 'headers',
  field: 'idempotency-key',
  rule: 'same-request',
  message: 'a key stands for one request: the same endpoint and the same body',
} as const;

interface Caller {
  readonly owner: IngestKeyOwner;
  readonly correlationId: string;
}

/** Runs a call to Redis or PostgreSQL, turning its failure into a 503: the request may well pass later. */
async function dependency<T>(name: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw unavailable(`${name} is not answering: ${(error as Error).message}`, 1, error);
  }
}

export const interactionRoutes: FastifyPluginAsync<InteractionRoutesOptions> = async (app, options) => {
  const { config, contract, keys, rateLimiter, idempotency, writer, metrics } = options;
  // Per request, without decorating FastifyRequest: a declaration merge would add the field to every
  // fastify app in the project, not just to the routes of this plugin.
  const callers = new WeakMap<FastifyRequest, Caller>();

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  app.addHook('onRequest', async (request, reply) => {
    const incoming = request.headers[CORRELATION_HEADER];
    const correlationId = typeof incoming === 'string' && CORRELATION_ID.test(incoming) ? incoming : randomUUID();
    reply.header(CORRELATION_HEADER, correlationId);
    const credential = credentialOf(request.headers);
    if (!credential) {
      throw new HttpError(
        401,
        'unauthorized',
        'send your ingest key as "Authorization: Bearer <key>" or "X-Ingest-Key: <key>"',
      );
    }
    const owner = await dependency('PostgreSQL', () => keys.resolve(credential));
    if (!owner) throw new HttpError(401, 'unauthorized', 'the ingest key is unknown or revoked');
    callers.set(request, { owner, correlationId });
  });

  app.setErrorHandler((error, request, reply) => {
    let http =
      error instanceof HttpError
        ? error
        : fromFastifyError(error, request.routeOptions.bodyLimit ?? config.bodyLimitBytes);
    if (!http) {
      request.log.error({ err: error }, 'request failed unexpectedly');
      http = internalError();
    } else if (http.status >= 500) {
      request.log.warn({ err: http.cause ?? http }, http.message);
    }
    if (http.status === 503) {
      // Every 503 says whether the events may be in Kafka, and so whether and how a retry is safe.
      const possiblyWritten = http.extra.possiblyWritten ?? false;
      const advice = retryAdvice(possiblyWritten, request.headers['idempotency-key'] !== undefined);
      http = new HttpError(503, http.code, `${http.message}. ${advice}`, { ...http.extra, possiblyWritten });
    }
    if (http.status === 401) reply.header('www-authenticate', 'Bearer realm="ticketflow-ingest"');
    if (http.extra.retryAfterSeconds !== undefined) reply.header('retry-after', String(http.extra.retryAfterSeconds));
    return reply.code(http.status).send(http.body);
  });

  async function accept(
    request: FastifyRequest,
    reply: FastifyReply,
    route: string,
    items: readonly InteractionInput[],
    respond: (accepted: ReturnType<typeof buildInteractions>['accepted']) => unknown,
  ) {
    const illFormed = illFormedStrings(request.body, 100);
    if (illFormed.length > 0) throw invalidRequest('body', illFormed, 5);
    const { owner, correlationId } = callers.get(request)!;
    const orgId = owner.org.id;
    const key = request.headers['idempotency-key'] as string | undefined;
    let origin: IdempotentOrigin | undefined;
    let token: string | undefined;
    if (key !== undefined) {
      origin = { orgId, idempotencyKey: key, fingerprint: requestFingerprint(route, request.body) };
      const claim = await dependency('Redis', () => idempotency.claim(orgId, key, origin!.fingerprint));
      switch (claim.kind) {
        case 'replay':
          metrics.idempotentReplays.inc();
          reply.header('idempotent-replayed', 'true');
          return reply.code(claim.response.status).send(claim.response.body);
        case 'mismatch':
          throw new HttpError(
            422,
            'idempotency_key_reused',
            'this Idempotency-Key was already used for a different request; a key may only repeat the same body to the same endpoint',
            { details: [SAME_BODY_RULE] },
          );
        case 'in-progress':
          throw new HttpError(
            409,
            'idempotency_key_in_progress',
            'a request with this Idempotency-Key is still being processed; retry it after Retry-After seconds',
            { retryAfterSeconds: 1 },
          );
        case 'owner':
          token = claim.token;
      }
    }
    try {
      const limits = {
        ratePerSecond: owner.org.ingestRatePerSec ?? config.ratePerSecond,
        burst: owner.org.ingestBurst ?? config.burst,
      };
      const taken = await dependency('Redis', () => rateLimiter.take(orgId, items.length, limits));
      if (!taken.allowed) {
        throw new HttpError(
          429,
          'rate_limited',
          `organization ${orgId} may send ${limits.ratePerSecond} interactions per second, in bursts of up to ${limits.burst}`,
          { retryAfterSeconds: retryAfterSeconds(taken.retryAfterMs) },
        );
      }
      const { events, accepted } = buildInteractions(items, {
        orgId,
        origin,
        now: options.now(),
        producer: options.producer,
      });
      await writer.write(orgId, events, correlationId, owner.org.partitionKey);
      metrics.eventsAccepted.inc({ route }, events.length);
      const body = respond(accepted);
      if (token) {
        // The events are in Kafka whatever happens here; a lost record only means a retry writes them again,
        // under the same ids.
        await idempotency
          .complete(orgId, key!, token, origin!.fingerprint, { status: 202, body })
          .catch((error: unknown) => request.log.warn({ err: error }, 'cannot store the idempotency record'));
      }
      return reply.code(202).send(body);
    } catch (error) {
      if (token) {
        await idempotency
          .release(orgId, key!, token)
          .catch((e: unknown) => request.log.warn({ err: e }, 'cannot release the idempotency key'));
      }
      throw error;
    }
  }

  app.post(
    SINGLE_ROUTE,
    { bodyLimit: config.bodyLimitBytes, schema: { body: contract.interaction, headers: contract.headers } },
    (request, reply) =>
      accept(request, reply, SINGLE_ROUTE, [request.body as InteractionInput], (accepted) => accepted[0]),
  );

  app.post(
    BATCH_ROUTE,
    { bodyLimit: config.batchBodyLimitBytes, schema: { body: contract.batch, headers: contract.headers } },
    (request, reply) =>
      accept(
        request,
        reply,
        BATCH_ROUTE,
        (request.body as { interactions: InteractionInput[] }).interactions,
        (accepted) => ({ accepted: accepted.length, items: accepted }),
      ),
  );
};
