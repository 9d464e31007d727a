/**
 * One model of the respond chain behind its guards: a concurrency limit that passes a draft over at once when
 * every slot is taken (so a slow model never builds lag: the draft goes to the next tier), a timeout, a circuit
 * breaker (the runtime's Dependency: tripped after consecutive failures, it probes the model's health check with
 * backoff and closes when it answers) and the grounding guard on what the model says. It never throws: every
 * way of not answering is an attempt with an outcome and a reason, recorded on the draft.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import type { Draft, DraftAttempt, DraftAttemptOutcome } from '../../schemas/index.js';
import type { BackoffPolicy } from '../runtime/backoff.js';
import { Dependency } from '../runtime/dependency.js';
import type { DraftRequest } from './generator.js';
import { MalformedAnswerError, type ModelAnswer } from './llm/answer.js';
import { checkAnswer, draftFromAnswer, type GuardOptions } from './llm/guard.js';
import { draftPrompt, type DraftPrompt } from './llm/prompt.js';
import { draftMetrics, type DraftMetrics } from './metrics.js';

/** A language model that answers a draft prompt; local (node-llama-cpp) or behind an OpenAI-compatible API. */
export interface ModelClient {
  readonly model: string;
  readonly promptVersion: string;
  /** Should stop work when `signal` aborts (the tier's timeout). */
  answer(prompt: DraftPrompt, signal: AbortSignal): Promise<ModelAnswer>;
  /** A cheap request that succeeds exactly when the model can serve; the breaker's probe. */
  health(): Promise<unknown>;
  close?(): Promise<void>;
}

export interface ModelTierOptions {
  timeoutMs: number;
  concurrency: number;
  /** Consecutive timeouts or errors that open the breaker. */
  failuresToTrip?: number;
  probeBackoff?: BackoffPolicy;
  guard?: GuardOptions;
  metrics?: DraftMetrics;
}

export interface TierResult {
  draft: Draft | null;
  attempt: DraftAttempt;
}

class TimeoutError extends Error {}

export class ModelTier {
  readonly breaker: Dependency;
  private readonly limit: LimitFunction;
  private readonly metrics: DraftMetrics;
  private consecutiveFailures = 0;

  constructor(
    readonly name: string,
    readonly client: ModelClient,
    private readonly options: ModelTierOptions,
  ) {
    this.limit = pLimit(options.concurrency);
    this.metrics = options.metrics ?? draftMetrics();
    this.breaker = new Dependency(`${name} model`, {
      probe: () => client.health(),
      probeBackoff: options.probeBackoff ?? { initialMs: 1000, maxMs: 30_000, multiplier: 2 },
      probeTimeoutMs: Math.max(1000, options.timeoutMs),
    });
  }

  /** Drafts being written or waiting for a slot. */
  get busy(): number {
    return this.limit.activeCount + this.limit.pendingCount;
  }

  /** Checks the model once before the first draft: a tier whose model cannot serve starts with its breaker open. */
  async checkHealth(): Promise<boolean> {
    try {
      await this.client.health();
      return true;
    } catch (error) {
      this.breaker.trip(error);
      return false;
    }
  }

  async attempt(request: DraftRequest): Promise<TierResult> {
    const started = performance.now();
    const skip = (outcome: DraftAttemptOutcome, reason: string) => this.result(null, outcome, reason, started);
    if (this.breaker.state !== 'closed') return skip('CIRCUIT_OPEN', this.breaker.describe());
    // Counted synchronously (p-limit queues at once), so a burst in one tick sees its own earlier drafts.
    if (this.busy >= this.options.concurrency) {
      return skip('SATURATED', `${this.busy} drafts in flight, limit ${this.options.concurrency}`);
    }
    const prompt = draftPrompt(request);
    let answer: ModelAnswer;
    try {
      answer = await this.answerInTime(prompt);
    } catch (error) {
      if (error instanceof MalformedAnswerError) return skip('MALFORMED', error.message);
      this.failed(error);
      if (error instanceof TimeoutError) return skip('TIMEOUT', error.message);
      return skip('FAILED', messageOf(error));
    }
    this.consecutiveFailures = 0;
    const tokens = { promptTokens: answer.promptTokens, completionTokens: answer.completionTokens };
    const verdict = checkAnswer(answer, prompt, this.options.guard);
    if (!verdict.ok) return this.result(null, verdict.outcome, verdict.reason, started, tokens);
    const draft = draftFromAnswer(
      answer,
      prompt,
      verdict.support,
      { model: this.client.model, version: this.client.promptVersion },
      request.retrievalMethod ?? 'LEXICAL',
    );
    return this.result(draft, 'ANSWERED', null, started, tokens);
  }

  /**
   * The model's answer, or a TimeoutError at the deadline. The slot stays taken until the model really stops (an
   * aborted generation may take a moment), so saturation counts what the model is actually doing.
   */
  private async answerInTime(prompt: DraftPrompt): Promise<ModelAnswer> {
    const controller = new AbortController();
    const answering = this.limit(async () => {
      this.metrics.inFlight.inc({ tier: this.name });
      try {
        return await this.client.answer(prompt, controller.signal);
      } finally {
        this.metrics.inFlight.dec({ tier: this.name });
      }
    });
    answering.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new TimeoutError(`no answer within ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
    });
    try {
      return await Promise.race([answering, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private failed(error: unknown): void {
    this.consecutiveFailures++;
    if (this.consecutiveFailures >= (this.options.failuresToTrip ?? 3)) {
      this.consecutiveFailures = 0;
      this.breaker.trip(error);
    }
  }

  private result(
    draft: Draft | null,
    outcome: DraftAttemptOutcome,
    reason: string | null,
    started: number,
    tokens = { promptTokens: 0, completionTokens: 0 },
  ): TierResult {
    return {
      draft,
      attempt: {
        tier: this.name,
        model: this.client.model,
        outcome,
        reason,
        latencyMs: Math.round(performance.now() - started),
        ...tokens,
      },
    };
  }

  async close(): Promise<void> {
    await this.client.close?.();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
