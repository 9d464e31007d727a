/**
 * Prometheus metrics of the respond stage's generator chain, per tier: attempts by outcome, their latency, and
 * the tokens the models spent. They live in a registry of their own, which the processor's probe server serves
 * beside the runtime's (processors/runtime/main.ts), so a chain built in a test or a benchmark needs no process.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DraftAttempt } from '../../schemas/index.js';

export const draftMetricsRegistry = new Registry();

export function createDraftMetrics(registers: Registry[] = [draftMetricsRegistry]) {
  return {
    attempts: new Counter({
      name: 'ticketflow_draft_attempts_total',
      help: 'Draft attempts per tier of the respond chain, by outcome (ANSWERED, SATURATED, TIMEOUT, UNGROUNDED…)',
      labelNames: ['tier', 'outcome'],
      registers,
    }),
    seconds: new Histogram({
      name: 'ticketflow_draft_attempt_duration_seconds',
      help: 'Time of one draft attempt per tier, by outcome',
      labelNames: ['tier', 'outcome'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60],
      registers,
    }),
    tokens: new Counter({
      name: 'ticketflow_draft_tokens_total',
      help: 'Tokens sent to (prompt) and produced by (completion) the models of the respond chain',
      labelNames: ['tier', 'kind'],
      registers,
    }),
    inFlight: new Gauge({
      name: 'ticketflow_draft_in_flight',
      help: 'Drafts a tier is writing right now; at its concurrency limit, drafts go to the next tier',
      labelNames: ['tier'],
      registers,
    }),
  };
}

export type DraftMetrics = ReturnType<typeof createDraftMetrics>;

let shared: DraftMetrics | undefined;

/** The metrics of this process's chains, made once (a metric name may be registered only once). */
export function draftMetrics(): DraftMetrics {
  shared ??= createDraftMetrics();
  return shared;
}

export function recordAttempt(metrics: DraftMetrics, attempt: DraftAttempt): void {
  metrics.attempts.inc({ tier: attempt.tier, outcome: attempt.outcome });
  metrics.seconds.observe({ tier: attempt.tier, outcome: attempt.outcome }, attempt.latencyMs / 1000);
  if (attempt.promptTokens > 0) metrics.tokens.inc({ tier: attempt.tier, kind: 'prompt' }, attempt.promptTokens);
  if (attempt.completionTokens > 0) {
    metrics.tokens.inc({ tier: attempt.tier, kind: 'completion' }, attempt.completionTokens);
  }
}
