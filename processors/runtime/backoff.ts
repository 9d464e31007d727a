export interface BackoffPolicy {
  /** First delay before a retry. */
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 100, maxMs: 10_000, multiplier: 2 };

/**
 * Delay before retry number `attempt` (1-based): exponential with "full jitter", so many consumers failing
 * together do not retry together.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy = defaultBackoff, random = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
