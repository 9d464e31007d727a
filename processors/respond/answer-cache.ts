/**
 * The answer cache: a `DraftGenerator` that wraps any other (extractive, an LLM chain) and serves a draft already
 * made for the same question, org, language, intent and knowledge-base version (answer-key.ts) from Redis
 * (answer-store.ts), for a configurable TTL.
 *
 * A cache that is away is a miss, never an error and never a wait: every Redis call goes through the process's
 * Redis dependency (runtime/dependency.ts) and is bounded by a short timeout. While its breaker is open the cache
 * does not touch Redis at all (a bypass), nor while the client is not connected (at start-up, or reconnecting);
 * the breaker's own probe closes it again when Redis answers, and the other Redis users of the process see the
 * same state.
 *
 * What is served is checked on read: the entry must name the request's org, and every document it cites must be
 * among the request's passages at the version cited. An entry that fails is deleted and counted as stale.
 *
 * Holding replies are not stored: they cost no model call to make again, and one drafted because a tier was down
 * or saturated would go on being served after the tier came back.
 */
import { Counter, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Draft } from '../../schemas/index.js';
import type { Dependency } from '../runtime/dependency.js';
import { answerKeyOf, normalizeQuestion } from './answer-key.js';
import type { AnswerStore, CachedAnswer } from './answer-store.js';
import type { DraftGenerator, DraftRequest } from './generator.js';

export interface AnswerCacheMetrics {
  /** Lookups by outcome: hit, miss, bypass (Redis away or slow: drafted without the cache). */
  readonly lookups: Counter<'outcome'>;
  /** Entries removed: `document-changed` (the knowledge-base path), `stale` (found on read not to match). */
  readonly invalidations: Counter<'reason'>;
  /** Writes by outcome: stored, bypass. */
  readonly writes: Counter<'outcome'>;
}

export function createAnswerCacheMetrics(registry?: Registry): AnswerCacheMetrics {
  const registers = registry ? [registry] : [];
  return {
    lookups: new Counter({
      name: 'ticketflow_answer_cache_lookups_total',
      help: 'Answer cache lookups by outcome: hit, miss, bypass (Redis unavailable or slow; drafted without the cache)',
      labelNames: ['outcome'],
      registers,
    }),
    invalidations: new Counter({
      name: 'ticketflow_answer_cache_invalidations_total',
      help: 'Cached answers removed: document-changed (a cited document changed or was removed), stale (refused on read)',
      labelNames: ['reason'],
      registers,
    }),
    writes: new Counter({
      name: 'ticketflow_answer_cache_writes_total',
      help: 'Answers written to the cache by outcome: stored, bypass (Redis unavailable or slow)',
      labelNames: ['outcome'],
      registers,
    }),
  };
}

export interface AnswerCacheOptions {
  readonly store: AnswerStore;
  /** The breaker of the store's server; without one, only the timeout guards the calls. */
  readonly dependency?: Dependency;
  readonly ttlSeconds: number;
  /** Longest a cache call may take before the draft goes on without it. */
  readonly timeoutMs: number;
  readonly metrics?: AnswerCacheMetrics;
  readonly logger?: Pick<Logger, 'debug' | 'warn'>;
}

const BYPASS = Symbol('bypass');
type Guarded<T> = T | typeof BYPASS;

export type Lookup = { readonly outcome: 'hit'; readonly draft: Draft } | { readonly outcome: 'miss' | 'bypass' };

export class AnswerCache {
  readonly metrics: AnswerCacheMetrics;

  constructor(private readonly options: AnswerCacheOptions) {
    this.metrics = options.metrics ?? createAnswerCacheMetrics();
  }

  async lookup(request: DraftRequest, key: string): Promise<Lookup> {
    const found = await this.guarded(() => this.options.store.get(request.orgId, key));
    if (found === BYPASS) return this.counted({ outcome: 'bypass' });
    if (found === null) return this.counted({ outcome: 'miss' });
    if (!servable(found, request)) {
      this.metrics.invalidations.inc({ reason: 'stale' });
      this.options.logger?.warn({ orgId: request.orgId, key }, 'cached answer does not match its request; removed');
      await this.guarded(() => this.options.store.remove(request.orgId, key));
      return this.counted({ outcome: 'miss' });
    }
    return this.counted({ outcome: 'hit', draft: found.draft });
  }

  async store(orgId: string, key: string, draft: Draft): Promise<void> {
    const answer: CachedAnswer = { orgId, draft, storedAt: Date.now() };
    const done = await this.guarded(() => this.options.store.put(key, answer, this.options.ttlSeconds));
    this.metrics.writes.inc({ outcome: done === BYPASS ? 'bypass' : 'stored' });
  }

  /**
   * Removes every cached answer citing one of the documents (the knowledge-base path calls this for each changed
   * or removed document). Resolves to how many were removed, or null when the store was away: those entries then
   * expire unserved, since their keys hold the old document versions.
   */
  async invalidateDocuments(orgId: string, documentIds: readonly string[]): Promise<number | null> {
    const removed = await this.guarded(() => this.options.store.invalidateDocuments(orgId, documentIds));
    if (removed === BYPASS) return null;
    this.metrics.invalidations.inc({ reason: 'document-changed' }, removed);
    return removed;
  }

  private counted(lookup: Lookup): Lookup {
    this.metrics.lookups.inc({ outcome: lookup.outcome });
    return lookup;
  }

  /** The call's result, or BYPASS when the breaker is open, the call fails or it takes longer than the timeout. */
  private async guarded<T>(call: () => Promise<T>): Promise<Guarded<T>> {
    const { dependency, timeoutMs, store } = this.options;
    // A client still connecting (at start-up) or reconnecting fails every command at once: no need to try.
    if ((dependency && dependency.state !== 'closed') || store.isConnected?.() === false) return BYPASS;
    let timer: NodeJS.Timeout | undefined;
    const attempt = dependency ? dependency.call(call) : call();
    // When the timer fires, the reply may be waiting unread: a busy event loop (a batch of drafts, a start-up)
    // runs expired timers before it reads sockets. setImmediate lets it read them first, so the timeout counts
    // Redis's slowness, not the process's own.
    const timeout = new Promise<typeof BYPASS>((resolve) => {
      timer = setTimeout(() => setImmediate(() => resolve(BYPASS)), timeoutMs);
    });
    try {
      return await Promise.race([attempt, timeout]);
    } catch (error) {
      // An outage has tripped the breaker inside `call`; anything else (a bad reply) only loses the cache once.
      this.options.logger?.debug({ err: error }, 'answer cache bypassed');
      return BYPASS;
    } finally {
      clearTimeout(timer);
      // A call that lost the race may still fail later; that failure is already accounted for as a bypass.
      attempt.catch(() => {});
    }
  }
}

/** The entry is the request's org's, and everything it cites is among the request's passages at that version. */
export function servable(answer: CachedAnswer, request: DraftRequest): boolean {
  if (answer.orgId !== request.orgId) return false;
  const grounded = new Set(request.passages.map((p) => `${p.documentId}\u0000${p.documentVersion}`));
  return answer.draft.citations.every((c) => grounded.has(`${c.documentId}\u0000${c.documentVersion}`));
}

export interface CachedGeneratorOptions {
  /**
   * Which drafts are stored; by default every one but holding replies. A fallback chain may store only its best
   * tier's drafts, so that an answer drafted while that tier was saturated is not served after it recovers.
   */
  readonly shouldStore?: (draft: Draft) => boolean;
}

/**
 * `inner`, with its answers cached. Requests with nothing to ground a draft in, or a question with no words,
 * go straight to `inner`: they would only store holding replies.
 */
export function cachedGenerator(
  inner: DraftGenerator,
  cache: AnswerCache,
  options: CachedGeneratorOptions = {},
): DraftGenerator {
  const shouldStore = options.shouldStore ?? ((draft: Draft) => !draft.holding);
  return {
    name: `${inner.name}+cache`,
    async draft(request: DraftRequest): Promise<Draft> {
      if (request.passages.length === 0 || normalizeQuestion(request.question) === '') return inner.draft(request);
      const key = answerKeyOf(request, inner.name);
      const found = await cache.lookup(request, key);
      if (found.outcome === 'hit') return found.draft;
      const draft = await inner.draft(request);
      // Not awaited: the draft is ready, and the write never rejects. The process's one Redis connection keeps
      // commands in order, so a later lookup on it already sees this entry.
      if (found.outcome === 'miss' && !draft.holding && shouldStore(draft)) void cache.store(request.orgId, key, draft);
      return draft;
    },
  };
}

/**
 * The knowledge-base path's hook (the chunk stage's `onDocumentsChanged`): drops the answers citing each changed
 * or removed document, org by org. Never rejects: with Redis away the entries stay, unserved, until they expire.
 */
export function invalidateAnswersOf(
  cache: AnswerCache,
  logger?: Pick<Logger, 'debug' | 'warn'>,
): (changes: ReadonlyArray<{ readonly orgId: string; readonly documentId: string }>) => Promise<void> {
  return async (changes) => {
    const byOrg = new Map<string, string[]>();
    for (const { orgId, documentId } of changes) byOrg.set(orgId, [...(byOrg.get(orgId) ?? []), documentId]);
    for (const [orgId, documentIds] of byOrg) {
      const removed = await cache.invalidateDocuments(orgId, documentIds);
      if (removed === null) logger?.warn({ orgId, documentIds }, 'answer cache unavailable; answers left to expire');
      else logger?.debug({ orgId, documentIds, removed }, 'cached answers invalidated');
    }
  };
}
