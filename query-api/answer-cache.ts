/**
 * Answers of the search index kept for a moment, per question. A dashboard wall of fifty agents asks the same
 * counts and searches of one org many times a second; Elasticsearch answers each in milliseconds of CPU where
 * memory answers in microseconds. Identical questions asked while one is being read share that read, and its
 * answer is reused for `ttlMs` (the search index itself shows writes only at its next refresh, 250 ms). A
 * failed read is never kept. Keys name the org, so no org can be answered from another's question.
 */
export class AnswerCache {
  private readonly answers = new Map<string, { expiresAt: number; answer: Promise<unknown> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The answer to `key`: kept or in flight, else from `read`. */
  get<T>(key: string, read: () => Promise<T>): Promise<T> {
    const kept = this.answers.get(key);
    if (kept && kept.expiresAt > this.now()) return kept.answer as Promise<T>;
    if (kept) this.answers.delete(key);
    // In flight until it settles, whatever the TTL; kept afterwards only if it succeeded and the TTL allows.
    let answer: Promise<unknown>;
    try {
      answer = read();
    } catch (error) {
      return Promise.reject(error);
    }
    const entry = { expiresAt: Infinity, answer };
    // The oldest first: with a short TTL, the first in the Map's insertion order are the expired ones.
    if (this.answers.size >= this.maxEntries) this.answers.delete(this.answers.keys().next().value!);
    this.answers.set(key, entry);
    entry.answer.then(
      () => {
        if (this.ttlMs > 0 && this.answers.get(key) === entry) entry.expiresAt = this.now() + this.ttlMs;
        else if (this.answers.get(key) === entry) this.answers.delete(key);
      },
      () => {
        if (this.answers.get(key) === entry) this.answers.delete(key);
      },
    );
    return entry.answer as Promise<T>;
  }

  get size(): number {
    return this.answers.size;
  }
}

/** The key of a question: its kind, the org and its parameters, unambiguous whatever they hold. */
export const answerKey = (kind: string, orgId: string, ...parameters: ReadonlyArray<string | number>): string =>
  JSON.stringify([kind, orgId, ...parameters]);
