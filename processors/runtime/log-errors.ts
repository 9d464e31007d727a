/**
 * How an error is written to the log: its class, message, code, status and stack, and its causes, nothing more.
 * Clients attach far more to their errors (Elasticsearch's carry the request body and the whole response), and a
 * batch's failure is logged for the events it failed: serialized whole, one failed multi-search of a few
 * thousand questions became gigabytes of log strings and ended the process out of memory, and an
 * UnavailableError holds its dependency, whose state holds the last error in turn.
 */
export interface LoggedError {
  type: string;
  message: string;
  code?: string | number;
  statusCode?: number;
  stack?: string;
  cause?: LoggedError | string;
}

/** How deep a chain of causes is followed: enough for a wrapped driver error, bounded for a cyclic one. */
const MAX_CAUSES = 3;
/** Longest message kept: an error message is a sentence, not a payload. */
const MAX_MESSAGE_CHARS = 2000;

export function loggedError(error: unknown, depth = 0): LoggedError | string {
  if (!(error instanceof Error)) return String(error).slice(0, MAX_MESSAGE_CHARS);
  const shape = error as Error & { code?: unknown; statusCode?: unknown; meta?: { statusCode?: unknown } };
  const logged: LoggedError = { type: error.name, message: error.message.slice(0, MAX_MESSAGE_CHARS) };
  if (typeof shape.code === 'string' || typeof shape.code === 'number') logged.code = shape.code;
  const status = typeof shape.statusCode === 'number' ? shape.statusCode : shape.meta?.statusCode;
  if (typeof status === 'number') logged.statusCode = status;
  // The causes' stacks are the clients' internals; the outer one says where the failure was met.
  if (depth === 0 && error.stack) logged.stack = error.stack.slice(0, MAX_MESSAGE_CHARS);
  if (error.cause !== undefined && depth < MAX_CAUSES) logged.cause = loggedError(error.cause, depth + 1);
  return logged;
}

/** pino's serializers for the keys errors are logged under. */
export const errorSerializers = { err: loggedError, error: loggedError };
