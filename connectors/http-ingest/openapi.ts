/**
 * The OpenAPI 3.1 document of ingest, built from the contract's JSON Schemas (3.1 takes JSON Schema as it
 * is, `type: [T, "null"]` included), so the published document cannot drift from what the routes accept.
 */
import type { HttpServerConfig, IngestConfig } from '../../config/index.js';
import type { IngestContract } from './contract.js';
import { BATCH_ROUTE, SINGLE_ROUTE } from './routes/interactions.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorResponse = (description: string, headers?: object) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema: ref('Error') } },
});
const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 } },
};
const correlationHeader = {
  'X-Correlation-Id': {
    description: 'The correlation id of the request, as sent or generated.',
    schema: { type: 'string' },
  },
};

export function openApiDocument(
  contract: IngestContract,
  config: IngestConfig,
  version: string,
  http: HttpServerConfig,
): object {
  const headerSchemas = contract.headers.properties as Record<string, { description: string }>;
  const headerParameter = (name: string, schemaKey: string) => {
    const { description, ...schema } = headerSchemas[schemaKey]!;
    return { name, in: 'header', required: false, description, schema };
  };
  const errors = {
    '400': errorResponse('The body is not JSON or breaks the schema; `details` names every field and rule.'),
    '401': errorResponse('No ingest key, or an unknown or revoked one.'),
    '408': errorResponse(
      `The request (headers and body) was not received in full within ${http.requestTimeoutMs} ms; the ` +
        'connection is closed.',
    ),
    '409': errorResponse('A request with the same Idempotency-Key is still in progress.', retryAfter),
    '413': errorResponse('The body is larger than the endpoint allows.'),
    '415': errorResponse('The body is not application/json.'),
    '422': errorResponse('The Idempotency-Key was used before with a different body.'),
    '429': errorResponse("The organization's rate limit is exhausted.", retryAfter),
    '431': errorResponse('The request line and headers are larger than 16 KiB.'),
    '500': errorResponse('A failure on our side; retrying the same request may fail the same way.'),
    '503': errorResponse(
      'Kafka (or PostgreSQL, Redis, the schema registry) cannot take the interaction now. `possiblyWritten` ' +
        'says whether it may be in Kafka all the same (sent, not acknowledged in time); when it is false nothing ' +
        'was written. Either way, retrying with the same Idempotency-Key is safe. While Kafka is known to be ' +
        'unreachable the answer comes at once rather than after the send timeout.',
      retryAfter,
    ),
  };
  const operation = (summary: string, description: string, body: string, accepted: string) => ({
    summary,
    description: `${description} Another method on this path is answered 405 with Allow.`,
    security: [{ bearer: [] }, { ingestKey: [] }],
    parameters: [
      headerParameter('Idempotency-Key', 'idempotency-key'),
      headerParameter('X-Correlation-Id', 'x-correlation-id'),
    ],
    requestBody: { required: true, content: { 'application/json': { schema: ref(body) } } },
    responses: {
      '202': {
        description: 'Accepted: in Kafka, acknowledged by all in-sync replicas.',
        headers: {
          ...correlationHeader,
          'Idempotent-Replayed': {
            description: 'Present (true) when this is the stored response of an earlier request with the same key.',
            schema: { type: 'string', enum: ['true'] },
          },
        },
        content: { 'application/json': { schema: ref(accepted) } },
      },
      ...errors,
    },
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'ticketflow HTTP ingest',
      version,
      description:
        'Posts customer interactions into ticketflow. Each accepted interaction becomes an InteractionReceived ' +
        'event on Kafka, keyed by organization. Authenticate with the ingest key of your organization.',
    },
    paths: {
      [SINGLE_ROUTE]: {
        post: operation(
          'Ingest one interaction',
          `Bodies up to ${config.bodyLimitBytes} bytes.`,
          'Interaction',
          'Accepted',
        ),
      },
      [BATCH_ROUTE]: {
        post: operation(
          'Ingest a batch of interactions',
          `Up to ${config.batchMaxItems} interactions and ${config.batchBodyLimitBytes} bytes. All or nothing: ` +
            'one invalid item refuses the whole batch (400, naming each bad item), and an accepted batch was ' +
            'written in one Kafka append. Counts one rate-limit token per interaction.',
          'InteractionBatch',
          'BatchAccepted',
        ),
      },
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'The process is up.' } } } },
      '/readyz': {
        get: {
          summary:
            'Readiness: Kafka writable (producer connected, brokers reachable, sends acknowledged), PostgreSQL, ' +
            'Redis and the schema registry reachable. Answers from each check at most a second old.',
          responses: { '200': { description: 'Ready.' }, '503': { description: 'Not ready; the body says why.' } },
        },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'Metrics.' } } } },
    },
    components: {
      schemas: withRefs({
        Interaction: contract.interaction,
        InteractionBatch: contract.batch,
        Accepted: contract.accepted,
        BatchAccepted: contract.batchAccepted,
        Error: contract.error,
      }),
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <ingest key>' },
        ingestKey: { type: 'apiKey', in: 'header', name: 'X-Ingest-Key' },
      },
    },
  };
}

/**
 * The contract nests its schemas by reference (a batch's items are the interaction schema object itself);
 * here each nested use of a component becomes a `$ref`, so the document defines every schema once.
 */
function withRefs(components: Record<string, object>): Record<string, object> {
  const names = new Map<object, string>(Object.entries(components).map(([name, schema]) => [schema, name]));
  const visit = (node: unknown, root: boolean): unknown => {
    if (node === null || typeof node !== 'object') return node;
    const name = names.get(node);
    if (name && !root) return ref(name);
    if (Array.isArray(node)) return node.map((child) => visit(child, false));
    return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, visit(child, false)]));
  };
  return Object.fromEntries(Object.entries(components).map(([name, schema]) => [name, visit(schema, true) as object]));
}
