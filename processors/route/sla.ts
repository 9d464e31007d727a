/**
 * First-response deadlines. They run from when the interaction was received, not from when a stage ran,
 * so a backlog in the pipeline eats into the SLA instead of silently extending it.
 */
import type { Priority, SlaPolicy } from '../../schemas/index.js';

const MINUTE_MS = 60_000;

/** Minutes the policy allows for a priority; null when it sets no usable target for it. */
export function targetMinutes(policy: SlaPolicy, priority: Priority): number | null {
  if (!Object.hasOwn(policy.firstResponseMinutes, priority)) return null;
  const minutes = policy.firstResponseMinutes[priority];
  // A negative or non-finite target is a misconfigured policy; no deadline beats a wrong one.
  return minutes !== undefined && Number.isFinite(minutes) && minutes >= 0 ? minutes : null;
}

/** receivedAt plus the policy's target for the priority, in epoch ms; null when there is no target. */
export function firstResponseDueAt(receivedAt: number, policy: SlaPolicy, priority: Priority): number | null {
  const minutes = targetMinutes(policy, priority);
  return minutes === null ? null : receivedAt + Math.round(minutes * MINUTE_MS);
}
