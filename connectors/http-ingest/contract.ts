/**
 * The HTTP contract of ingest, as JSON Schemas: what fastify validates requests with and what the OpenAPI
 * document publishes, from one definition.
 *
 * An interaction is InteractionReceived as the client knows it: its Avro schema without `meta`, which the
 * server fills (event id, org from the ingest key, ticket, time, producer), plus an optional conversationId.
 * Adding a field to the Avro schema adds it here; the limits below are what Avro cannot say.
 */
import type { EventCatalog } from '../../schemas/index.js';
import { STORABLE_TEXT_PATTERN } from '../http/errors.js';
import { avroToJsonSchema, type JsonSchema } from './avro-to-json-schema.js';
import { ERROR_CODES } from './errors.js';

const ID = { minLength: 1, maxLength: 256 };

/** Rules Avro has no words for, by instance path. A pattern here replaces STORABLE_TEXT_PATTERN: it must refuse NUL too. */
const REFINEMENTS: Record<string, JsonSchema> = {
  '/customer/customerId': ID,
  '/customer/externalId': { maxLength: 256 },
  '/externalMessageId': { minLength: 1, maxLength: 1000 },
  '/subject': { maxLength: 2000 },
  // Non-empty: an event with no text and nothing attached has nothing for the pipeline to work on.
  '/body': { minLength: 1, maxLength: 200_000 },
  '/localeHint': { maxLength: 35, pattern: '^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$' },
  '/attachments': { maxItems: 100 },
  '/attachments/*/attachmentId': ID,
  '/attachments/*/fileName': { minLength: 1, maxLength: 1024 },
  // type/subtype, then parameters if any, in printable ASCII as MIME has them: no NUL, no line breaks.
  '/attachments/*/contentType': {
    maxLength: 255,
    pattern: '^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(;[\\x20-\\x7E]*)?$',
  },
  '/attachments/*/sizeBytes': { minimum: 0 },
  '/attachments/*/uri': { maxLength: 2048 },
};

/** Printable ASCII without spaces: safe in logs, headers and Redis keys, and what clients generate anyway. */
const TOKEN_PATTERN = '^[\\x21-\\x7E]+$';

export const CONVERSATION_ID_SCHEMA: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 256,
  pattern: TOKEN_PATTERN,
  description:
    'The conversation this message belongs to, in your own ids (chat session, email thread). Messages of one ' +
    'conversation are processed in order and belong to the same ticket. Omit it to start a new conversation: ' +
    'the response carries the id the server chose, for the follow-ups.',
};

export interface IngestContract {
  readonly interaction: JsonSchema;
  readonly batch: JsonSchema;
  readonly accepted: JsonSchema;
  readonly batchAccepted: JsonSchema;
  readonly error: JsonSchema;
  readonly headers: JsonSchema;
}

export interface ContractLimits {
  readonly batchMaxItems: number;
  readonly idempotencyTtlSeconds: number;
}

export function ingestContract(catalog: EventCatalog, limits: ContractLimits): IngestContract {
  const derived = avroToJsonSchema(catalog.get('InteractionReceived').schema, {
    omit: ['/meta'],
    refine: REFINEMENTS,
    // Refused here, with the field named, rather than accepted and then failing in a stage that stores it.
    text: { pattern: STORABLE_TEXT_PATTERN },
  });
  const properties = derived.properties as Record<string, JsonSchema>;
  const interaction: JsonSchema = {
    ...derived,
    description:
      'A customer message as received from a channel. The server adds the envelope: event id, organization ' +
      '(from the ingest key), ticket, time and producer.',
    properties: { conversationId: CONVERSATION_ID_SCHEMA, ...properties },
  };
  const batch: JsonSchema = {
    type: 'object',
    description: `Up to ${limits.batchMaxItems} interactions, accepted or refused together.`,
    properties: {
      interactions: { type: 'array', minItems: 1, maxItems: limits.batchMaxItems, items: interaction },
    },
    required: ['interactions'],
    additionalProperties: false,
  };
  const accepted: JsonSchema = {
    type: 'object',
    description: 'The interaction is in Kafka: acknowledged by all in-sync replicas.',
    properties: {
      eventId: { type: 'string', format: 'uuid', description: 'Id of the InteractionReceived event.' },
      conversationId: { type: 'string', description: 'The conversation, as sent or as chosen by the server.' },
      ticketId: {
        type: 'string',
        format: 'uuid',
        description: 'The ticket of the conversation; the same for every message of the conversation.',
      },
    },
    required: ['eventId', 'conversationId', 'ticketId'],
    additionalProperties: false,
  };
  const batchAccepted: JsonSchema = {
    type: 'object',
    description: 'Every interaction of the batch is in Kafka; items are in the order they were sent.',
    properties: { accepted: { type: 'integer', minimum: 1 }, items: { type: 'array', items: accepted } },
    required: ['accepted', 'items'],
    additionalProperties: false,
  };
  const error: JsonSchema = {
    type: 'object',
    properties: {
      error: { type: 'string', description: 'What went wrong, for programs.', enum: [...ERROR_CODES] },
      message: { type: 'string', description: 'What went wrong, for people.' },
      details: {
        type: 'array',
        description: 'Every rule the request broke (validation errors only).',
        items: {
          type: 'object',
          properties: {
            in: { type: 'string', enum: ['body', 'headers'] },
            field: { type: 'string', description: 'JSON pointer into the body, or the header name.' },
            rule: { type: 'string', description: 'The JSON Schema keyword, e.g. required, maxLength, enum.' },
            message: { type: 'string' },
          },
          required: ['in', 'field', 'rule', 'message'],
        },
      },
      retryAfterSeconds: { type: 'integer', description: 'As in the Retry-After header (429, 409, 503).' },
      possiblyWritten: {
        type: 'boolean',
        description:
          '503 only. false: nothing was written. true: Kafka did not acknowledge the interaction in time but may ' +
          'have written it all the same; retrying with the same Idempotency-Key is safe (the retry carries the ' +
          'same event ids, which the pipeline keeps once), retrying without one may write it twice.',
      },
    },
    required: ['error', 'message'],
  };
  const headers: JsonSchema = {
    type: 'object',
    properties: {
      'idempotency-key': {
        type: 'string',
        minLength: 1,
        maxLength: 255,
        pattern: TOKEN_PATTERN,
        description:
          `Makes retries safe: a request repeating the key of an earlier one within ${describeSeconds(limits.idempotencyTtlSeconds)} ` +
          'gets the earlier response and writes nothing. Reusing a key with a different body is refused with 422.',
      },
      'x-correlation-id': {
        type: 'string',
        minLength: 1,
        maxLength: 128,
        pattern: TOKEN_PATTERN,
        description:
          'Traces the request through every stage (Kafka header tf-correlation-id); one is generated if absent.',
      },
    },
  };
  return { interaction, batch, accepted, batchAccepted, error, headers };
}

function describeSeconds(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} hour(s)`;
  if (seconds % 60 === 0) return `${seconds / 60} minute(s)`;
  return `${seconds} seconds`;
}
