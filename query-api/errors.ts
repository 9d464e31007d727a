/** The one error body of the query API, `{error, message, details?}`, as in the ingest service. */

export type ErrorCode = 'validation' | 'unauthorized' | 'not_found' | 'rate_limited' | 'internal' | 'unavailable';

export interface FieldError {
  readonly in: 'query' | 'params' | 'headers';
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

export function invalidParam(part: FieldError['in'], field: string, rule: string, message: string): HttpError {
  return new HttpError(400, 'validation', `the request ${part} is invalid: ${field} ${message}`, {
    details: [{ in: part, field, rule, message }],
  });
}

interface SchemaViolation {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

/** Fastify's schema-validation errors (query string and path params) as a 400 naming each param and rule. */
export function fromValidation(violations: readonly SchemaViolation[], context: string | undefined): HttpError {
  const part: FieldError['in'] = context === 'params' ? 'params' : context === 'headers' ? 'headers' : 'query';
  const details: FieldError[] = violations.slice(0, 20).map((v) => {
    let field = v.instancePath.replace(/^\//, '');
    let message = v.message ?? v.keyword;
    if (v.keyword === 'additionalProperties' && typeof v.params.additionalProperty === 'string') {
      field = v.params.additionalProperty;
      message = 'is not a known parameter';
    } else if (v.keyword === 'required' && typeof v.params.missingProperty === 'string') {
      field = v.params.missingProperty;
      message = 'is required';
    } else if (v.keyword === 'enum' && Array.isArray(v.params.allowedValues)) {
      message = `must be one of ${v.params.allowedValues.map((a) => JSON.stringify(a)).join(', ')}`;
    }
    return { in: part, field, rule: v.keyword, message };
  });
  const summary = details.map((d) => `${d.field} ${d.message}`).join('; ');
  return new HttpError(400, 'validation', `the request ${part} is invalid: ${summary}`, { details });
}
