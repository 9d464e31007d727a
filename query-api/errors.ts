/** The one error body of the query API, `{error, message, details?}`, as in the ingest service. */
import {
  fieldErrors,
  HttpError as SharedHttpError,
  invalidRequest,
  type SchemaViolation,
} from '../connectors/http/errors.js';
import { FRAMEWORK_ERROR_CODES, type FrameworkErrorCode } from '../connectors/http/server.js';

export type ErrorCode =
  FrameworkErrorCode | 'validation' | 'unauthorized' | 'rate_limited' | 'internal' | 'unavailable';

/** Every code, for the OpenAPI document's enum. */
export const ERROR_CODES: readonly ErrorCode[] = [
  'validation',
  'unauthorized',
  'rate_limited',
  'internal',
  'unavailable',
  ...FRAMEWORK_ERROR_CODES,
];

/** An error answered with one of the query API's codes. */
export type HttpError = SharedHttpError<ErrorCode>;
export const HttpError = SharedHttpError as typeof SharedHttpError<ErrorCode>;

type Part = 'query' | 'params' | 'headers';

export function invalidParam(part: Part, field: string, rule: string, message: string): HttpError {
  return invalidRequest(part, [{ in: part, field, rule, message }]);
}

/** Fastify's schema-validation errors (query string and path params) as a 400 naming each param and rule. */
export function fromValidation(violations: readonly SchemaViolation[], context: string | undefined): HttpError {
  const part: Part = context === 'params' ? 'params' : context === 'headers' ? 'headers' : 'query';
  return invalidRequest(part, fieldErrors(violations, part, 20));
}

/** Error names of the store clients for a store that is away, slow or overloaded: the request may pass later. */
const UNAVAILABLE_ERRORS = new Set([
  // @elastic/elasticsearch
  'ConnectionError',
  'TimeoutError',
  'NoLivingConnectionsError',
  // ioredis
  'MaxRetriesPerRequestError',
]);

/** A 503 for a failure of a store rather than of the request or of our code; null for anything else. */
export function unavailableStore(error: unknown): HttpError | null {
  const e = error as { name?: string; message?: string; statusCode?: number; code?: string };
  const away =
    UNAVAILABLE_ERRORS.has(e?.name ?? '') ||
    // Elasticsearch answering 429 or 5xx; ioredis without a connection (enableOfflineQueue off).
    (e?.name === 'ResponseError' && (e.statusCode === 429 || (e.statusCode ?? 0) >= 500)) ||
    /Connection is closed|Stream isn't writeable|ECONNREFUSED/.test(e?.message ?? '');
  return away
    ? new HttpError(
        503,
        'unavailable',
        'a store behind the API is not answering; retry shortly',
        { retryAfterSeconds: 1 },
        { cause: error },
      )
    : null;
}
