/** Request schemas of the /v1 routes: fastify validates with them and the OpenAPI document is built from them. */
import type { HttpServerConfig } from '../../config/index.js';
import { MAX_KB_SEARCH_K } from '../../processors/retrieve/hybrid/kb-search.js';
import { ERROR_CODES } from '../errors.js';

/** Longest ticket id, and filter value, in characters. */
export const ID_MAX_LENGTH = 200;
const filterString = { type: 'string', minLength: 1, maxLength: ID_MAX_LENGTH } as const;
const errorRef = { $ref: '#/components/schemas/Error' } as const;

export const TICKET_STATUSES = ['open', 'pending', 'auto_replied', 'resolved'] as const;
export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;

/** Milliseconds since the Unix epoch, up to the last millisecond of the year 9999. */
export const MAX_TIME_MS = 253_402_300_799_999;
const timeMs = (description: string) => ({ type: 'integer', minimum: 0, maximum: MAX_TIME_MS, description }) as const;
/** Longest window of the SLA-breach count, in hours (30 days). */
export const MAX_BREACH_HOURS = 720;

const string = { type: 'string' } as const;
const integer = { type: 'integer' } as const;
const nullable = <T extends 'string' | 'integer' | 'number' | 'object'>(type: T) => ({ type: [type, 'null'] }) as const;
const countsByValue = (what: string) =>
  ({ type: 'object', additionalProperties: integer, description: `Tickets per ${what}.` }) as const;

/** A ticket in a list. */
const ticketSummary = {
  type: 'object',
  required: [
    'ticketId',
    'conversationId',
    'status',
    'queue',
    'priority',
    'intent',
    'assignee',
    'slaDueAt',
    'subject',
    'updatedAt',
  ],
  properties: {
    ticketId: string,
    conversationId: string,
    status: { type: 'string', enum: [...TICKET_STATUSES] },
    queue: nullable('string'),
    priority: nullable('string'),
    intent: nullable('string'),
    assignee: nullable('string'),
    slaDueAt: { ...nullable('integer'), description: 'Deadline of the first response, ms since the epoch.' },
    subject: { ...nullable('string'), description: 'Redacted subject.' },
    updatedAt: { ...integer, description: 'Latest change, ms since the epoch: the list order.' },
  },
} as const;

/** The ticket of GET /v1/tickets/{id}: what the store's changelog carries, redacted text only. */
const ticketDetail = {
  type: 'object',
  required: ['ticketId', 'conversationId', 'orgId', 'status', 'updatedAt'],
  properties: {
    ...ticketSummary.properties,
    orgId: string,
    createdAt: nullable('integer'),
    revision: nullable('integer'),
    interactions: { type: 'array', items: { type: 'object' }, description: 'Channel, customer, time, attachments.' },
    enrichment: { ...nullable('object'), description: 'Redacted subject and body, language, sentiment, customer.' },
    classification: nullable('object'),
    draft: { ...nullable('object'), description: 'The drafted reply and its citations.' },
    draftEventId: nullable('string'),
    routing: nullable('object'),
    resolution: nullable('string'),
    replies: { type: 'array', items: { type: 'object' } },
  },
} as const;

const ticketPage = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: ticketSummary },
    nextCursor: {
      ...nullable('string'),
      description: 'Pass as cursor for the next page; null once the list is walked to its end.',
    },
  },
} as const;

const searchResults = {
  type: 'object',
  required: ['items'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: [...ticketSummary.required, 'body', 'score'],
        properties: {
          ...ticketSummary.properties,
          conversationId: nullable('string'),
          updatedAt: nullable('integer'),
          body: { ...nullable('string'), description: 'Redacted body.' },
          score: nullable('number'),
        },
      },
    },
  },
} as const;

const queueList = {
  type: 'object',
  required: ['queues', 'at'],
  properties: {
    queues: {
      type: 'array',
      items: {
        type: 'object',
        required: ['queue', 'depth', 'oldestAgeSeconds', 'breaching'],
        properties: {
          queue: string,
          depth: { ...integer, description: 'Tickets of the queue not resolved.' },
          oldestAgeSeconds: {
            ...nullable('integer'),
            description: 'Age of the oldest of them, from its creation; null if none has a known creation time.',
          },
          breaching: {
            ...integer,
            description: 'Of them, those still waiting for a first response past its deadline.',
          },
        },
      },
    },
    at: { ...integer, description: 'When this was read, ms since the epoch.' },
  },
} as const;

const byField = {
  byStatus: countsByValue('status'),
  byQueue: countsByValue('queue'),
  byPriority: countsByValue('priority'),
  byIntent: countsByValue('intent'),
} as const;

const counts = {
  type: 'object',
  required: ['total', 'byStatus', 'byQueue', 'byPriority', 'byIntent', 'at'],
  properties: { total: integer, ...byField, at: integer },
} as const;

const stats = {
  type: 'object',
  required: ['from', 'to', 'total', 'byStatus', 'byQueue', 'byPriority', 'byIntent'],
  properties: { from: integer, to: integer, total: integer, ...byField },
} as const;

const slaBreaches = {
  type: 'object',
  required: ['hours', 'from', 'to', 'total', 'byQueue', 'byPriority'],
  properties: {
    hours: integer,
    from: integer,
    to: integer,
    total: integer,
    byQueue: byField.byQueue,
    byPriority: byField.byPriority,
  },
} as const;

const kbSearchResults = {
  type: 'object',
  required: ['hits'],
  properties: {
    hits: {
      type: 'array',
      items: {
        type: 'object',
        required: ['documentId', 'chunkId', 'score', 'title', 'text', 'sourceUri'],
        properties: {
          documentId: string,
          chunkId: { ...string, description: 'The passage: <documentId>#<index>.' },
          score: {
            type: 'number',
            description: 'Fused score (reciprocal rank fusion of BM25 and vectors); higher is better.',
          },
          title: string,
          text: { ...string, description: 'The passage text.' },
          sourceUri: nullable('string'),
        },
      },
    },
  },
} as const;

const noParameters = { type: 'object', additionalProperties: false, properties: {} } as const;

/**
 * Schemas of the /v1 routes: fastify validates requests and serializes answers with them, and the OpenAPI
 * document is built from them. The detail is sent as stored, so its schema only documents it.
 */
export const schemas = {
  getTicket: {
    params: {
      type: 'object',
      additionalProperties: false,
      required: ['id'],
      properties: { id: { ...filterString, description: 'The ticket id (without the org).' } },
    },
    documented: ticketDetail,
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
    response: { 200: ticketPage },
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
    response: { 200: searchResults },
  },
  kbSearch: {
    querystring: {
      type: 'object',
      additionalProperties: false,
      required: ['q'],
      properties: {
        q: { type: 'string', minLength: 1, maxLength: 500, description: 'The question, in words.' },
        k: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_KB_SEARCH_K,
          default: 5,
          description: 'Hits at most, each from its own document.',
        },
        language: {
          type: 'string',
          pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$',
          description:
            'Only passages in this language (BCP 47, matched on its primary subtag); default: every language.',
        },
      },
    },
    response: { 200: kbSearchResults },
  },
  queues: { querystring: noParameters, response: { 200: queueList } },
  counts: { querystring: noParameters, response: { 200: counts } },
  stats: {
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        from: timeMs('Start of the window (inclusive), ms since the epoch; default: 24 hours before `to`.'),
        to: timeMs('End of the window (exclusive), ms since the epoch; default: now, to the second.'),
      },
    },
    response: { 200: stats },
  },
  slaBreaches: {
    querystring: {
      type: 'object',
      additionalProperties: false,
      properties: {
        hours: {
          type: 'integer',
          minimum: 1,
          maximum: MAX_BREACH_HOURS,
          default: 24,
          description: 'How far back, in hours, from now.',
        },
      },
    },
    response: { 200: slaBreaches },
  },
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
  const ok = (description: string, schema: object) => ({
    description,
    headers: rateLimitHeaders,
    content: { 'application/json': { schema } },
  });
  return {
    '/v1/tickets/{id}': {
      get: {
        summary: "One ticket of the token's org",
        description:
          'From the live views (Redis), as the ticket store last published it: redacted text only. A ticket the views ' +
          'hold from before version 2 is read from the search index, with the fields it has there.',
        parameters: parameters('path', schemas.getTicket.params),
        responses: {
          '200': ok('The ticket.', schemas.getTicket.documented),
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
        description: LIST_CONTRACT,
        parameters: parameters('query', schemas.listTickets.querystring),
        responses: {
          '200': ok('A page; nextCursor is null on the last one.', schemas.listTickets.response[200]),
          ...errors,
        },
      },
    },
    '/v1/search': {
      get: {
        summary: "Full-text search over the org's tickets",
        parameters: parameters('query', schemas.search.querystring),
        responses: { '200': ok('Matches, best first.', schemas.search.response[200]), ...errors },
      },
    },
    '/v1/kb/search': {
      get: {
        summary: "Search the org's knowledge base",
        description:
          'The retrieval the retrieve stage grounds replies with: BM25 and e5 sentence embeddings (FAISS) over the ' +
          "org's passages, fused by reciprocal rank, held in this process and fed by the chunks topic. At most k " +
          'hits, each the best passage of a distinct document, best first. 503 while the index is still loading.',
        parameters: parameters('query', schemas.kbSearch.querystring),
        responses: { '200': ok('Hits, best first.', schemas.kbSearch.response[200]), ...errors },
      },
    },
    '/v1/queues': {
      get: {
        summary: 'Live queue depth, age of the oldest waiting ticket and SLA breaches',
        description: 'Every queue holding tickets not resolved, by name.',
        responses: { '200': ok('The queues.', schemas.queues.response[200]), ...errors },
      },
    },
    '/v1/counts': {
      get: {
        summary: "The org's tickets now, in total and per status, queue, priority and intent",
        description: 'Counters the live views keep exact with every change of a ticket.',
        responses: { '200': ok('The counts.', schemas.counts.response[200]), ...errors },
      },
    },
    '/v1/stats': {
      get: {
        summary: 'Tickets created in a time window, per status, queue, priority and intent (as they stand now)',
        description:
          'Aggregations over the search index. A window whose end is not after its start holds no tickets. Answers ' +
          'may be served from the index cache until its next refresh (a fraction of a second).',
        parameters: parameters('query', schemas.stats.querystring),
        responses: { '200': ok('The counts in the window [from, to).', schemas.stats.response[200]), ...errors },
      },
    },
    '/v1/stats/sla-breaches': {
      get: {
        summary: 'First-response deadlines breached in the last hours, per queue and priority',
        description:
          'Tickets whose first-response deadline fell within the window and that were not answered by it: answered ' +
          "late, or still unanswered. Answered means an automatic reply, an agent's reply, or leaving open for " +
          'pending or resolved.',
        parameters: parameters('query', schemas.slaBreaches.querystring),
        responses: { '200': ok('The breaches.', schemas.slaBreaches.response[200]), ...errors },
      },
    },
  };
}

/** What a walk through the list guarantees while tickets change, as the API documents it. */
export const LIST_CONTRACT =
  'Ordered by updatedAt, newest first, then by ticket id. A page holds the tickets after the position (updatedAt, ' +
  'id) its cursor names, as the views stand when it is read, so while tickets change: no ticket appears twice in ' +
  "one walk (a ticket's updatedAt only grows, so a change moves it ahead of the cursor, never behind it); a ticket " +
  'whose position holds during the walk appears exactly once, whatever other tickets do; a ticket updated during ' +
  'the walk appears once with its earlier state if the walk had passed it, and otherwise not in this walk: it ' +
  'moved to its new position near the head, where a new walk finds it. Filters choose by the values tickets have ' +
  'when a page is read. With more than one filter a page may hold fewer than limit tickets, even none, while ' +
  'nextCursor is not null: walk on until it is null.';

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
          summary:
            'Readiness: Elasticsearch and Redis answer and the knowledge base caught up; each check at most a second old',
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
