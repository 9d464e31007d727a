/**
 * How the runtime tells failures apart by cause, because each cause calls for its own answer:
 *
 * - permanent: the same input will always meet it (bad data, a violated invariant, a deterministic database
 *   error). Dead-lettered at once.
 * - unavailable: a dependency is down, refusing, timing out or overloaded. Waited out for as long as the outage
 *   lasts, never dead-lettered: the input is healthy.
 * - transient: anything else. Retried with backoff and dead-lettered only when it keeps failing.
 */
import { classifyDependencyError } from './dependency-errors.js';

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

/** Something a dependency may recover from: what to probe until it is back, and how long it has been away. */
export interface Outage {
  readonly name: string;
  /** Resolves once the dependency answers again; `false` if it already answered on the first probe. */
  waitUntilAvailable(control: WaitControl): Promise<boolean>;
}

export interface WaitControl {
  /** True once the wait must end without the dependency: the process is stopping or lost its partitions. */
  shouldStop(): boolean;
}

export class UnavailableError extends Error {
  override name = 'UnavailableError';
  /**
   * When the handler can do without the dependency (epoch ms): the input is handed back then even if the
   * dependency is still away. Null: wait for as long as the outage lasts.
   */
  readonly fallbackAt: number | null;

  constructor(
    /** The dependency to wait for; null when the error names no known one (then backoff stands in for a probe). */
    readonly dependency: Outage | null,
    message: string,
    options: { cause?: unknown; fallbackAt?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.fallbackAt = options.fallbackAt ?? null;
  }
}

export type FailureKind = 'permanent' | 'unavailable' | 'transient';

export function failureKind(error: unknown): FailureKind {
  if (error instanceof PermanentError) return 'permanent';
  if (error instanceof UnavailableError) return 'unavailable';
  // A driver error that reached the runtime without passing a Dependency still says what it is.
  const kind = classifyDependencyError(error);
  return kind === 'unknown' ? 'transient' : kind;
}

export const isPermanent = (error: unknown): boolean => failureKind(error) === 'permanent';

export function describeError(error: unknown): { errorClass: string; message: string } {
  if (error instanceof Error) return { errorClass: error.name || error.constructor.name, message: error.message };
  return { errorClass: typeof error, message: String(error) };
}

const BRIEF_TEXT_CHARS = 2000;
const brief = (text: string) => (text.length > BRIEF_TEXT_CHARS ? `${text.slice(0, BRIEF_TEXT_CHARS)}…` : text);

/**
 * An error as a log line should carry it: kind, message, code and stack, and its causes' likewise, never the objects
 * it holds. A client's error can hold the request it failed to send (Elasticsearch's holds a bulk's whole body,
 * megabytes) and an UnavailableError holds its dependency: logged whole for each input of a unit waiting out an
 * outage, they filled a processor's heap until it died.
 */
export function briefError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: brief(String(error)) };
  const summary: Record<string, unknown> = { type: error.name, message: brief(error.message) };
  const { code } = error as { code?: unknown };
  if (typeof code === 'string' || typeof code === 'number') summary.code = code;
  if (depth === 0 && error.stack) summary.stack = brief(error.stack);
  if (error.cause !== undefined && depth < 3) summary.cause = briefError(error.cause, depth + 1);
  return summary;
}
