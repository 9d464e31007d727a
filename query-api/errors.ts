/** The one error body of the query API, `{error, message, details?}`, as in the ingest service. */
import {
  fieldErrors,
  HttpError as SharedHttpError,
  invalidRequest,
  type SchemaViolation,
} from '../connectors/http/errors.js';

export type ErrorCode = 'validation' | 'unauthorized' | 'not_found' | 'rate_limited' | 'internal' | 'unavailable';

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
