/** Request schemas of the /v1 routes: fastify validates with them and the OpenAPI document is built from them. */
import type { HttpServerConfig } from '../../config/index.js';
import { ERROR_CODES } from '../errors.js';

/** Longest ticket id, and filter value, in characters. */
export const ID_MAX_LENGTH = 200;
const filterString = { type: 'string', minLength: 1, maxLength: ID_MAX_LENGTH } as const;
const errorRef = { $ref: '#/components/schemas/Error' } as const;

export const TICKET_STATUSES = ['open', 'pending', 'auto_replied', 'resolved'] as const;
export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;

export const schemas = {
  getTicket: {
    params: {
      type: 'object',
      additionalProperties: false,
      required: ['id'],
      properties: { id: { ...filterString, description: 'The ticket id (without the org).' } },
    },
  },
  listTickets: {
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        status: { type: 'string', enum: [...TICKET_STATUSES] },
        queue: filterString,
        priority: { type: 'string', enum: [...PRIORITIES] },
        intent: filterString,
        limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
        cursor: { type: 'string', minLength: 1, maxLength: 1024, description: 'nextCursor of the previous page.' },
      },
    },
  },
  search: {
    querystring: {
      type: 'object',
      additionalProperties: false,
      required: ['q'],
      properties: {
        q: { type: 'string', minLength: 1, maxLength: 500, description: 'Full text over redacted subject and body.' },
        limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
      },
    },
  },
  queues: {},
} as const;

/** What the document says about the server's own limits. */
export interface ServerLimits {
  readonly http: HttpServerConfig;
  readonly maxParamLength: number;
}

const errorContent = { 'application/json': { schema: errorRef } };
const integerHeader = (description: string) => ({ description, schema: { type: 'integer', minimum: 0 } });
const rateLimitHeaders = {
  'RateLimit-Limit': integerHeader(
    'Requests per minute of the limit closest to being used up (org, user, or either on this endpoint).',
  ),
  'RateLimit-Remaining': integerHeader('Requests left in that limit right now.'),
  'RateLimit-Reset': integerHeader('Seconds until that limit is whole again.'),
};
const retryAfter = {
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 } },
};

/** OpenAPI operations: the same schemas as parameters, with the answers described. */
export function openApiPaths(limits: ServerLimits) {
  const parameters = (where: 'query' | 'path', schema: { properties: object; required?: readonly string[] }) =>
    Object.entries(schema.properties).map(([name, s]) => ({
      name,
      in: where,
      required: where === 'path' || (schema.required ?? []).includes(name),
      schema: s,
    }));
  const error = (description: string, headers?: object) => ({
    description,
    ...(headers ? { headers } : {}),
    content: errorContent,
  });
  const errors = {
    '400': error('A parameter breaks its rule; details name it.', rateLimitHeaders),
    '401': error('Missing or invalid bearer token (absent, forged, expired, without exp, or valid for too long).'),
    '408': error(`The request was not received in full within ${limits.http.requestTimeoutMs} ms.`),
    '429': error(
      "A request limit is used up: the org's, the user's (JWT sub), or either's on this endpoint; the message says which.",
      { ...rateLimitHeaders, ...retryAfter },
    ),
    '431': error('The request line and headers are larger than 16 KiB.'),
    '500': error('A failure on our side.'),
    '503': error('A store behind the API is not answering, or did not within the time a request may take.', retryAfter),
  };
  const ok = (description: string) => ({
    description,
    headers: rateLimitHeaders,
    content: { 'application/json': { schema: { type: 'object' } } },
  });
  return {
    '/v1/tickets/{id}': {
      get: {
        summary: "One ticket of the token's org",
        parameters: parameters('path', schemas.getTicket.params),
        responses: {
          '200': ok('The ticket.'),
          '404': error('No such ticket in this org.', rateLimitHeaders),
          '414': error(
            `The id is longer than ${limits.maxParamLength} characters as sent (percent-encoded); ids of up to ` +
              `${ID_MAX_LENGTH} characters always fit.`,
          ),
          ...errors,
        },
      },
    },
    '/v1/tickets': {
      get: {
        summary: 'Tickets, most recently updated first, one page at a time',
        parameters: parameters('query', schemas.listTickets.querystring),
        responses: { '200': ok('{items, nextCursor}; nextCursor is null on the last page.'), ...errors },
      },
    },
    '/v1/search': {
      get: {
        summary: "Full-text search over the org's tickets",
        parameters: parameters('query', schemas.search.querystring),
        responses: { '200': ok('{items} with scores, best first.'), ...errors },
      },
    },
    '/v1/queues': {
      get: {
        summary: 'Live queue depth, age of the oldest waiting ticket and SLA breaches',
        responses: { '200': ok('{queues: [{queue, depth, oldestAgeSeconds, breaching}], at}.'), ...errors },
      },
    },
  };
}

/** The endpoints of the API as the OpenAPI document names them; request limits are set per endpoint by these. */
export const V1_ENDPOINTS: readonly string[] = Object.keys(
  openApiPaths({ http: { headersTimeoutMs: 0, requestTimeoutMs: 0, keepAliveTimeoutMs: 0 }, maxParamLength: 0 }),
);

export function openApiDocument(version: string, limits: ServerLimits) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'ticketflow query API',
      version,
      description:
        "Reads of one organization's tickets, scoped by the `org` claim of a JWT that must carry `exp`. Requests " +
        'are limited per org, per user (the `sub` claim) and per endpoint; every answer past authentication carries ' +
        'RateLimit-* headers. A method a path does not serve is answered 405 with Allow.',
    },
    security: [{ bearer: [] }],
    paths: {
      ...openApiPaths(limits),
      '/healthz': {
        get: { security: [], summary: 'Liveness', responses: { '200': { description: 'The process is up.' } } },
      },
      '/readyz': {
        get: {
          security: [],
          summary: 'Readiness: the ticket store, Elasticsearch and Redis answer; each check at most a second old',
          responses: { '200': { description: 'Ready.' }, '503': { description: 'Not ready; the body says why.' } },
        },
      },
      '/metrics': {
        get: { security: [], summary: 'Prometheus metrics', responses: { '200': { description: 'Metrics.' } } },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'message'],
          properties: {
            error: { type: 'string', enum: [...ERROR_CODES], description: 'What went wrong, for programs.' },
            message: { type: 'string', description: 'What went wrong, for people.' },
            details: {
              type: 'array',
              items: {
                type: 'object',
                required: ['in', 'field', 'rule', 'message'],
                properties: {
                  in: { type: 'string', enum: ['query', 'params', 'headers'] },
                  field: { type: 'string' },
                  rule: { type: 'string' },
                  message: { type: 'string' },
                },
              },
            },
            retryAfterSeconds: { type: 'integer', description: 'As in the Retry-After header (429, 503).' },
          },
        },
      },
    },
  };
}
