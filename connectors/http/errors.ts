/**
 * The one error body of ticketflow's HTTP services, `{error, message, details?, retryAfterSeconds?}`, and fastify's
 * (Ajv's) schema violations turned into details that name the field and the rule it breaks. Each service narrows
 * the codes to its own: connectors/http-ingest/errors.ts, query-api/errors.ts.
 */

export type RequestPart = 'body' | 'headers' | 'query' | 'params';

export interface FieldError {
  readonly in: RequestPart;
  readonly field: string;
  readonly rule: string;
  readonly message: string;
}

export interface ErrorExtra {
  readonly details?: readonly FieldError[];
  readonly retryAfterSeconds?: number;
  /** Ingest's 503s: whether what the request carried may be in Kafka although it was not acknowledged. */
  readonly possiblyWritten?: boolean;
}

export interface ErrorBody<Code extends string = string> extends ErrorExtra {
  readonly error: Code;
  readonly message: string;
}

export class HttpError<Code extends string = string> extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: Code,
    message: string,
    readonly extra: ErrorExtra = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  get body(): ErrorBody<Code> {
    return { error: this.code, message: this.message, ...this.extra };
  }
}

/**
 * Text PostgreSQL can keep: its text type refuses NUL (U+0000), so a customer id holding one would fail in enrich
 * on every attempt. A JSON Schema pattern, so the OpenAPI documents say it, written as a lookahead because that
 * form is read alike by JavaScript, Python and Rust (fancy-regex) and lets schemathesis build valid bodies
 * (`^[^\u0000]*$` beside a maxLength defeats its coverage phase). Unpaired surrogates, which no portable pattern
 * can name, are refused in code (illFormedStrings).
 */
export const STORABLE_TEXT_PATTERN = '^(?![\\s\\S]*\\u0000)';
const STORABLE_TEXT_MESSAGE = 'must not contain NUL (U+0000): PostgreSQL cannot store it';

/** With the u flag a surrogate pair is one code point, so this matches only a surrogate standing alone. */
const LONE_SURROGATE = /\p{Cs}/u;

/** The rule of `illFormedStrings`, as a detail's `rule`. */
export const WELL_FORMED_RULE = 'well-formed-unicode';
const WELL_FORMED_MESSAGE =
  'must be well-formed Unicode: an unpaired surrogate (\\uD800 to \\uDFFF alone) has no UTF-8 encoding and cannot be stored';

/**
 * The fields of a parsed JSON body whose strings are not well-formed Unicode: JSON can carry an unpaired
 * surrogate as an escape, but UTF-8 (and so Avro, Kafka and every store) cannot, and would replace it without a
 * word. At most `max` of them, each named by its JSON pointer.
 */
export function illFormedStrings(value: unknown, max: number, path = ''): FieldError[] {
  const out: FieldError[] = [];
  const visit = (node: unknown, at: string) => {
    if (out.length >= max) return;
    if (typeof node === 'string') {
      if (LONE_SURROGATE.test(node))
        out.push({ in: 'body', field: at || '/', rule: WELL_FORMED_RULE, message: WELL_FORMED_MESSAGE });
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, `${at}/${i}`));
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) visit(item, `${at}/${pointerSegment(key)}`);
    }
  };
  visit(value, path);
  return out;
}

/** The subset of an Ajv error that fastify hands over in `error.validation`. */
export interface SchemaViolation {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

const pointerSegment = (name: string) => name.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * One detail per field and rule, at most `max`. A body field is named by its JSON pointer (`/` for the whole
 * body); a header or a query or path parameter by its bare name.
 */
export function fieldErrors(violations: readonly SchemaViolation[], part: RequestPart, max: number): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const v of violations) {
    let field = part === 'body' ? v.instancePath || '/' : v.instancePath.replace(/^\//, '');
    let message = v.message ?? v.keyword;
    // Ajv reports a missing or unknown property at its parent; the client needs the property itself.
    const property =
      v.keyword === 'required'
        ? v.params.missingProperty
        : v.keyword === 'additionalProperties'
          ? v.params.additionalProperty
          : undefined;
    if (typeof property === 'string') {
      field = part === 'body' ? `${v.instancePath}/${pointerSegment(property)}` : property;
      message = v.keyword === 'required' ? 'is required' : `is not a known ${part === 'body' ? 'field' : 'parameter'}`;
    } else if (v.keyword === 'enum' && Array.isArray(v.params.allowedValues)) {
      message = `must be one of ${v.params.allowedValues.map((a) => JSON.stringify(a)).join(', ')}`;
    } else if (v.keyword === 'pattern' && v.params.pattern === STORABLE_TEXT_PATTERN) {
      message = STORABLE_TEXT_MESSAGE;
    }
    const id = `${field}\u0000${v.keyword}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ in: part, field, rule: v.keyword, message });
    if (out.length === max) break;
  }
  return out;
}

/**
 * A 400 with these details, its message naming the first `summarize` of them (all by default) and how many of
 * `total` it leaves out.
 */
export function invalidRequest(
  part: RequestPart,
  details: readonly FieldError[],
  summarize = details.length,
  total = details.length,
): HttpError<'validation'> {
  const summary = details
    .slice(0, summarize)
    .map((d) => `${d.field} ${d.message}`)
    .join('; ');
  const more = total > summarize ? ` (and ${total - summarize} more)` : '';
  return new HttpError(400, 'validation', `the request ${part} is invalid: ${summary}${more}`, { details });
}
