/** Request schemas of the /v1 routes: fastify validates with them and the OpenAPI document is built from them. */

const filterString = { type: 'string', minLength: 1, maxLength: 200 } as const;
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

/** OpenAPI operations: the same schemas as parameters, with the answers described. */
export function openApiPaths() {
  const parameters = (where: 'query' | 'path', schema: { properties: object; required?: readonly string[] }) =>
    Object.entries(schema.properties).map(([name, s]) => ({
      name,
      in: where,
      required: where === 'path' || (schema.required ?? []).includes(name),
      schema: s,
    }));
  const errors = {
    '400': {
      description: 'A parameter breaks its rule; details name it.',
      content: { 'application/json': { schema: errorRef } },
    },
    '401': { description: 'Missing or invalid bearer token.', content: { 'application/json': { schema: errorRef } } },
    '429': { description: "The org's rate limit is used up.", content: { 'application/json': { schema: errorRef } } },
  };
  const ok = (description: string) => ({
    description,
    content: { 'application/json': { schema: { type: 'object' } } },
  });
  return {
    '/v1/tickets/{id}': {
      get: {
        summary: "One ticket of the token's org",
        parameters: parameters('path', schemas.getTicket.params),
        responses: {
          '200': ok('The ticket.'),
          '404': { description: 'No such ticket in this org.', content: { 'application/json': { schema: errorRef } } },
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

export function openApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: { title: 'ticketflow query API', version },
    security: [{ bearer: [] }],
    paths: openApiPaths(),
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error', 'message'],
          properties: {
            error: { type: 'string' },
            message: { type: 'string' },
            details: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  in: { type: 'string' },
                  field: { type: 'string' },
                  rule: { type: 'string' },
                  message: { type: 'string' },
                },
              },
            },
            retryAfterSeconds: { type: 'integer' },
          },
        },
      },
    },
  };
}
