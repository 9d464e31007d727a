/**
 * Every failure as the one error body of the contract (`{error, message, details?, retryAfterSeconds?}`), with
 * the status that tells a client what to do: fix the request (4xx) or retry later (503, with Retry-After).
 * Whatever a client sends, the answer is a 4xx; a 5xx means something on our side.
 */
import { fieldErrors, HttpError as SharedHttpError, invalidRequest, type SchemaViolation } from '../http/errors.js';
import { FRAMEWORK_ERROR_CODES, type FrameworkErrorCode } from '../http/server.js';

export type ErrorCode =
  | FrameworkErrorCode
  | 'validation'
  | 'malformed_json'
  | 'unauthorized'
  | 'idempotency_key_in_progress'
  | 'idempotency_key_reused'
  | 'rate_limited'
  | 'internal'
  | 'unavailable';

/** Every code, for the contract's enum. */
export const ERROR_CODES: readonly ErrorCode[] = [
  'validation',
  'malformed_json',
  'unauthorized',
  'idempotency_key_in_progress',
  'idempotency_key_reused',
  'rate_limited',
  'internal',
  'unavailable',
  ...FRAMEWORK_ERROR_CODES,
];

/** An error answered with one of ingest's codes. */
export type HttpError = SharedHttpError<ErrorCode>;
export const HttpError = SharedHttpError as typeof SharedHttpError<ErrorCode>;

/**
 * A dependency (Kafka, the registry, Redis, PostgreSQL) cannot do its part now; the request may succeed later.
 * `possiblyWritten`: Kafka may hold the events although it never acknowledged them.
 */
export const unavailable = (message: string, retryAfterSeconds = 1, cause?: unknown, possiblyWritten = false) =>
  new HttpError(503, 'unavailable', message, { retryAfterSeconds, possiblyWritten }, { cause });

/** What a client should do about a 503, from whether anything may have been written and whether it sent a key. */
export function retryAdvice(possiblyWritten: boolean, hasIdempotencyKey: boolean): string {
  if (!possiblyWritten) return 'Nothing was written; retrying is safe.';
  return hasIdempotencyKey
    ? 'It may have been written all the same; retrying with the same Idempotency-Key is safe: the retry carries ' +
        'the same event ids, and the pipeline keeps each event once.'
    : 'It may have been written all the same, and a retry without an Idempotency-Key could write it twice: ' +
        'send one with every request, so that retries are safe.';
}

/** A failure of ours that nothing the client does will fix: never "safe to retry", as a retry may fail alike. */
export const internalError = () =>
  new HttpError(
    500,
    'internal',
    'the request failed on our side and was not accepted; the error is logged for the operators. Retrying it ' +
      'unchanged may fail the same way.',
  );

/** Enough to tell a client what to fix without answering a huge invalid batch with an even larger error. */
const MAX_DETAILS = 100;

export function validationError(violations: readonly SchemaViolation[], part: 'body' | 'headers'): HttpError {
  return invalidRequest(part, fieldErrors(violations, part, MAX_DETAILS), 5, violations.length);
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: readonly SchemaViolation[];
  validationContext?: string;
}

/** Fastify's own errors (parsing, limits, validation) in the contract's terms; null for anything else. */
export function fromFastifyError(error: unknown, bodyLimit: number): HttpError | null {
  const e = error as FastifyLikeError;
  if (e.validation) {
    return validationError(e.validation, e.validationContext === 'headers' ? 'headers' : 'body');
  }
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(
        413,
        'payload_too_large',
        `the body is larger than ${bodyLimit} bytes, this endpoint's limit`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, 'unsupported_media_type', 'send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError(400, 'malformed_json', 'the body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HttpError(400, 'malformed_json', 'the body is not valid JSON');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpError(400, 'malformed_json', 'the body does not match its Content-Length');
    case 'FST_ERR_CTP_INVALID_CONTENT_TYPE':
    case 'FST_ERR_ROUTE_MISSING_CONTENT_TYPE':
      return new HttpError(415, 'unsupported_media_type', 'send the body as application/json');
  }
  // Anything else fastify marks as the client's fault, such as a prototype-poisoning body, stays a 400.
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new HttpError(400, 'malformed_json', e.message ?? 'the request cannot be read');
  }
  return null;
}
