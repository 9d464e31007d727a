/**
 * How the runtime tells a failure worth retrying from one that never will succeed. Handlers throw
 * `PermanentError` for input that is wrong as such; everything else is assumed transient and retried, and
 * dead-lettered only when it keeps failing.
 */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

/** The input bytes are not a valid event of the expected schema. */
export class PoisonEventError extends PermanentError {
  override name = 'PoisonEventError';
}

/** An output the handler produced does not fit its schema: a bug in the handler, never fixed by retrying. */
export class OutputSchemaError extends PermanentError {
  override name = 'OutputSchemaError';
}

export const isPermanent = (error: unknown): boolean => error instanceof PermanentError;

export function describeError(error: unknown): { errorClass: string; message: string } {
  if (error instanceof Error) return { errorClass: error.name || error.constructor.name, message: error.message };
  return { errorClass: typeof error, message: String(error) };
}
