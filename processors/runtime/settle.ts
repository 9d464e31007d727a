/**
 * Settles a batch: hands its inputs to the handler, retries the ones that failed, waits out dependencies that
 * are away, and decides which inputs are dead-lettered, until every input is either handled or dead.
 *
 * Promises kept per input, whatever the batch:
 * - a failure is retried or dead-lettered on its own; the rest of the batch flows on;
 * - inputs of one lane (a conversation) keep their order: while an input waits for a retry, the later ones of
 *   its lane wait with it, and their answers from this round are discarded to be recomputed after it;
 * - an outage of a named dependency costs no attempts and is waited out for as long as it lasts (a probe proves
 *   it); a dependency that answers its probe but keeps failing an input as unavailable is retried for a budget of
 *   time; only failures the same input may meet again count towards `maxAttempts`.
 *
 * Kafka-free, so its rules are unit-tested on their own; the runner feeds it decoded events.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { failureKind, UnavailableError, type FailureKind, type Outage } from './errors.js';
import { ItemFailure, type ItemResult } from './stage.js';

/** Answer for an input a handler did not get to because an earlier one of its lane failed. */
export const DEFERRED = Symbol('deferred');
export type Answer<Out> = ItemResult<Out> | typeof DEFERRED;

export interface SettleInput {
  /** Inputs of one lane keep their order. */
  readonly lane: string;
  /** Set for an input that never decoded: dead from the start. */
  readonly poison?: unknown;
}

export type Settled<Out> =
  | { readonly kind: 'handled'; readonly outputs: readonly Out[] }
  | { readonly kind: 'dead'; readonly error: unknown; readonly attempts: number };

export interface SettleOptions {
  readonly maxAttempts: number;
  readonly backoff: BackoffPolicy;
  /** Checked before every retry and while waiting: true abandons the batch (stopping, or partitions lost). */
  shouldStop(): boolean;
  onFailure?(kind: FailureKind, error: unknown, index: number, attempts: number): void;
  /** Told which dependency the batch waits for, and null once it no longer waits. */
  onWait?(outage: Outage | null): void;
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * How long an input may keep meeting a dependency that fails it as unavailable (a timeout, a 503) while the
   * dependency's probe answers: a server that is up but overloaded or still warming up. Such failures are retried
   * with `slowBackoff` until this much time has passed since the first, instead of counting towards `maxAttempts`.
   */
  readonly slowDependencyBudgetMs?: number;
  readonly slowBackoff?: BackoffPolicy;
}

/**
 * Elasticsearch just restarted on a loaded machine timed searches out for more than the 1.5 s that five attempts
 * take, while answering its probe: retrieve dead-lettered 659 healthy events (bench:faults).
 */
const SLOW_DEPENDENCY_BUDGET_MS = 300_000;
const SLOW_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 5000, multiplier: 2 };

/** The batch was given up before it settled; nothing of it may be produced or committed. */
export class Abandoned extends Error {
  override name = 'Abandoned';
}

/**
 * `handle(indexes, attempts)` answers for the inputs at `indexes`, in order; `attempts[k]` is the try number of
 * `indexes[k]` (1 on its first try). A rejection fails all of them.
 */
export async function settle<Out>(
  inputs: readonly SettleInput[],
  handle: (indexes: number[], attempts: number[]) => Promise<readonly Answer<Out>[]>,
  options: SettleOptions,
): Promise<Settled<Out>[]> {
  const pause = options.sleep ?? ((ms: number) => sleep(ms));
  const results: Array<Settled<Out> | undefined> = inputs.map((input) =>
    input.poison === undefined ? undefined : { kind: 'dead', error: input.poison, attempts: 0 },
  );
  const attempts = inputs.map(() => 0);
  const slowBudgetMs = options.slowDependencyBudgetMs ?? SLOW_DEPENDENCY_BUDGET_MS;
  const slowSince: Array<number | undefined> = inputs.map(() => undefined);
  const slowRounds = inputs.map(() => 0);

  for (let round = 0; ; round++) {
    const pending = results.flatMap((result, index) => (result ? [] : [index]));
    if (pending.length === 0) return results as Settled<Out>[];
    if (round > 0 && options.shouldStop()) throw new Abandoned('stopped or lost its partitions while retrying');

    let answers: readonly Answer<Out>[];
    try {
      answers = await handle(
        pending,
        pending.map((index) => attempts[index]! + 1),
      );
      if (answers.length !== pending.length) {
        throw new Error(`handler answered ${answers.length} results for ${pending.length} inputs`);
      }
    } catch (error) {
      answers = pending.map(() => new ItemFailure(error));
    }

    const blockedLanes = new Set<string>();
    const outages = new Map<Outage, Array<{ index: number; error: unknown }>>();
    let retryAfter = 0;
    const count = (index: number, kind: FailureKind, error: unknown, report = true): boolean => {
      attempts[index]! += 1;
      if (report) options.onFailure?.(kind, error, index, attempts[index]!);
      if (kind === 'permanent' || attempts[index]! >= options.maxAttempts) {
        results[index] = { kind: 'dead', error, attempts: attempts[index]! };
        return false;
      }
      retryAfter = Math.max(retryAfter, backoffDelay(attempts[index]!, options.backoff));
      return true;
    };

    pending.forEach((index, k) => {
      const { lane } = inputs[index]!;
      const answer = answers[k]!;
      if (blockedLanes.has(lane) || answer === DEFERRED) {
        blockedLanes.add(lane);
        return;
      }
      if (!(answer instanceof ItemFailure)) {
        results[index] = { kind: 'handled', outputs: answer };
        return;
      }
      const { error } = answer;
      const kind = failureKind(error);
      const dependency = error instanceof UnavailableError ? error.dependency : null;
      if (kind === 'unavailable' && dependency) {
        options.onFailure?.(kind, error, index, attempts[index]!);
        outages.set(dependency, [...(outages.get(dependency) ?? []), { index, error }]);
        blockedLanes.add(lane);
        return;
      }
      // Unavailability that names no dependency has no probe to prove an outage: it is retried like any failure.
      if (count(index, kind, error)) blockedLanes.add(lane);
    });

    let waitedOut = false;
    for (const [dependency, failures] of outages) {
      options.onWait?.(dependency);
      // A handler that can do without the dependency after a while gets its inputs back then.
      const fallbackAt = Math.min(
        ...failures.map(({ error }) => (error as UnavailableError).fallbackAt ?? Number.POSITIVE_INFINITY),
      );
      const wasAway = await dependency.waitUntilAvailable({
        shouldStop: () => options.shouldStop() || Date.now() >= fallbackAt,
      });
      options.onWait?.(null);
      waitedOut ||= wasAway;
      // The dependency answered its first probe: it is up but failed these inputs (overloaded, warming up, or a
      // request it will always refuse this way). They are retried more slowly, for a budget of time, not attempts.
      if (!wasAway) {
        for (const { index, error } of failures) {
          attempts[index]! += 1;
          slowSince[index] ??= Date.now();
          if (Date.now() - slowSince[index]! >= slowBudgetMs) {
            results[index] = { kind: 'dead', error, attempts: attempts[index]! };
            continue;
          }
          retryAfter = Math.max(retryAfter, backoffDelay(++slowRounds[index]!, options.slowBackoff ?? SLOW_BACKOFF));
        }
      }
    }
    if (!waitedOut && retryAfter > 0) await pause(retryAfter);
  }
}
