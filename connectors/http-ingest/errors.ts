/**
 * Every failure as the one error body of the contract (`{error, message, details?, retryAfterSeconds?}`), with
 * the status that tells a client what to do: fix the request (4xx) or retry later (503, with Retry-After).
 * Whatever a client sends, the answer is a 4xx; a 5xx means something on our side.
 */

export type ErrorCode =
  | 'validation'
  | 'malformed_json'
  | 'unauthorized'
  | 'not_found'
  | 'idempotency_key_in_progress'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'idempotency_key_reused'
  | 'rate_limited'
  | 'internal'
  | 'unavailable';

export interface FieldError {
  readonly in: 'body' | 'headers';
  readonly field: string;
  readonly rule: string;
  readonly message: string;
}

export interface ErrorBody {
  readonly error: ErrorCode;
  readonly message: string;
  readonly details?: readonly FieldError[];
  readonly retryAfterSeconds?: number;
}

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: { details?: readonly FieldError[]; retryAfterSeconds?: number } = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  get body(): ErrorBody {
    return { error: this.code, message: this.message, ...this.extra };
  }
}

/** A dependency (Kafka, the registry, Redis, PostgreSQL) cannot do its part now; the request may succeed later. */
export const unavailable = (message: string, retryAfterSeconds = 1, cause?: unknown) =>
  new HttpError(503, 'unavailable', message, { retryAfterSeconds }, { cause });

/** The subset of an Ajv error that fastify hands over in `error.validation`. */
export interface SchemaViolation {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

/** Enough to tell a client what to fix without answering a huge invalid batch with an even larger error. */
const MAX_DETAILS = 100;

const pointerSegment = (name: string) => name.replace(/~/g, '~0').replace(/\//g, '~1');

export function fieldErrors(violations: readonly SchemaViolation[], part: 'body' | 'headers'): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const v of violations) {
    let path = v.instancePath;
    let message = v.message ?? v.keyword;
    // Ajv reports a missing or unknown property at its parent; the client needs the property itself.
    if (v.keyword === 'required' && typeof v.params.missingProperty === 'string') {
      path += `/${pointerSegment(v.params.missingProperty)}`;
      message = 'is required';
    } else if (v.keyword === 'additionalProperties' && typeof v.params.additionalProperty === 'string') {
      path += `/${pointerSegment(v.params.additionalProperty)}`;
      message = 'is not a known field';
    } else if (v.keyword === 'enum' && Array.isArray(v.params.allowedValues)) {
      message = `must be one of ${v.params.allowedValues.map((a) => JSON.stringify(a)).join(', ')}`;
    }
    const field = part === 'headers' ? path.replace(/^\//, '') : path || '/';
    const id = `${field}\u0000${v.keyword}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ in: part, field, rule: v.keyword, message });
    if (out.length === MAX_DETAILS) break;
  }
  return out;
}

export function validationError(violations: readonly SchemaViolation[], part: 'body' | 'headers'): HttpError {
  const details = fieldErrors(violations, part);
  const summary = details
    .slice(0, 5)
    .map((d) => `${d.field} ${d.message}`)
    .join('; ');
  const more = violations.length > 5 ? ` (and ${violations.length - 5} more)` : '';
  return new HttpError(400, 'validation', `the request ${part} is invalid: ${summary}${more}`, { details });
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
  }
  // Anything else fastify marks as the client's fault, such as a prototype-poisoning body, stays a 400.
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new HttpError(400, 'malformed_json', e.message ?? 'the request cannot be read');
  }
  return null;
}
