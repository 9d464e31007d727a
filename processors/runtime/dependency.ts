/**
 * A server a stage depends on (PostgreSQL, Redis, Elasticsearch, the ticket store), behind a circuit breaker.
 *
 * Calls go through `call`. An error that says the server is away trips the breaker: from then on calls fail at
 * once with an `UnavailableError`, without touching the server, and the runtime waits on `waitUntilAvailable`,
 * which probes the server with backoff until it answers; then the breaker closes and the held inputs are retried.
 * One probe loop serves every batch waiting on the dependency, so a dead server sees one probe at a time, not one
 * request per waiting event. An error the server answered about the request itself (a constraint, bad data)
 * becomes a `PermanentError`: retrying would meet it again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { classifyDependencyError } from './dependency-errors.js';
import { PermanentError, UnavailableError, type Outage, type WaitControl } from './errors.js';

export type BreakerState = 'closed' | 'half-open' | 'open';

export interface DependencyOptions {
  /** A cheap request that succeeds exactly when the server can serve (a ping, `SELECT 1`, cluster health). */
  readonly probe: () => Promise<unknown>;
  readonly probeBackoff?: BackoffPolicy;
  /** Longest a probe may take before it counts as failed. */
  readonly probeTimeoutMs?: number;
}

export type StateListener = (state: BreakerState, error: unknown) => void;

const DEFAULT_PROBE_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 5000, multiplier: 2 };
/** How often a waiter looks at its own stop condition while the shared probe loop runs. */
const WAITER_POLL_MS = 250;

export class Dependency implements Outage {
  private currentState: BreakerState = 'closed';
  private openedAt: number | null = null;
  private lastError: unknown = null;
  private recovery: Promise<boolean> | null = null;
  private readonly listeners = new Set<StateListener>();

  constructor(
    readonly name: string,
    private readonly options: DependencyOptions,
  ) {}

  /** Calls `listener` on every change of the breaker's state (for metrics and logs); returns how to stop. */
  watch(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get state(): BreakerState {
    return this.currentState;
  }

  /** Since when the dependency has been away (epoch ms), or null while it answers. */
  get unavailableSince(): number | null {
    return this.openedAt;
  }

  /** Why it is away, for readiness and logs. */
  describe(): string {
    if (this.currentState === 'closed') return `${this.name} available`;
    const seconds = Math.round((Date.now() - (this.openedAt ?? Date.now())) / 1000);
    return `${this.name} unavailable for ${seconds} s: ${messageOf(this.lastError)}`;
  }

  async call<T>(operation: () => Promise<T>): Promise<T> {
    if (this.currentState !== 'closed') {
      throw new UnavailableError(this, `${this.name} is unavailable (${messageOf(this.lastError)})`, {
        cause: this.lastError,
      });
    }
    try {
      return await operation();
    } catch (error) {
      throw this.failure(error);
    }
  }

  /**
   * What an error the dependency raised means for the input that met it: an outage trips the breaker, a refusal
   * becomes permanent, anything else is passed on to be retried.
   */
  failure(error: unknown): unknown {
    if (error instanceof UnavailableError || error instanceof PermanentError) return error;
    switch (classifyDependencyError(error)) {
      case 'unavailable':
        this.trip(error);
        return new UnavailableError(this, `${this.name} is unavailable: ${messageOf(error)}`, { cause: error });
      case 'permanent':
        return new PermanentError(`${this.name} refused the request: ${messageOf(error)}`, { cause: error });
      default:
        return error;
    }
  }

  /** Trips the breaker for a failure the dependency reported in an answer (a bulk item's 503, say). */
  unavailable(reason: string): UnavailableError {
    const error = new UnavailableError(this, `${this.name} is unavailable: ${reason}`);
    this.trip(error);
    return error;
  }

  trip(error: unknown): void {
    this.lastError = error;
    if (this.currentState !== 'closed') return;
    this.openedAt = Date.now();
    this.setState('open', error);
    // Probing starts with the outage, not with the first waiter: a caller that copes without the dependency
    // (a cached setting, the last known model) never waits, and the breaker would otherwise stay open for good.
    void this.recover();
  }

  /**
   * Waits until a probe succeeds. True when the dependency was found away (a probe failed); false when it
   * answered the first probe, which tells the caller that the failure it met was not an outage after all.
   */
  async waitUntilAvailable(control: WaitControl): Promise<boolean> {
    const recovery = this.recover();
    let outcome: boolean | undefined;
    void recovery.then((found) => (outcome = found));
    while (outcome === undefined) {
      if (control.shouldStop()) return true;
      await Promise.race([recovery, sleep(WAITER_POLL_MS)]);
    }
    return outcome;
  }

  /** The probe loop in progress, or a new one: one at a time, shared by every waiter. */
  private recover(): Promise<boolean> {
    this.recovery ??= this.probeUntilAvailable().finally(() => (this.recovery = null));
    return this.recovery;
  }

  private async probeUntilAvailable(): Promise<boolean> {
    const policy = this.options.probeBackoff ?? DEFAULT_PROBE_BACKOFF;
    for (let attempt = 1; ; attempt++) {
      this.setState('half-open', this.lastError);
      try {
        await withTimeout(this.options.probe(), this.options.probeTimeoutMs ?? 5000);
        this.openedAt = null;
        this.lastError = null;
        this.setState('closed', null);
        return attempt > 1;
      } catch (error) {
        this.lastError = error;
        this.openedAt ??= Date.now();
        this.setState('open', error);
        await sleep(backoffDelay(attempt, policy));
      }
    }
  }

  private setState(state: BreakerState, error: unknown): void {
    if (state === this.currentState) return;
    this.currentState = state;
    for (const listener of this.listeners) listener(state, error);
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return error === null || error === undefined ? 'no error recorded' : String(error);
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`probe timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
