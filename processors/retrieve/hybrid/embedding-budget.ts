/**
 * How much model time the retrieve stage may spend embedding questions. The sentence-embedding model costs 5 to
 * 20 CPU-ms a question on this project's reference cores, more than the rest of an interaction's stages
 * together; a stage that embedded every question in a burst would fall further behind the longer the burst
 * lasted. So questions draw on a bucket of model time refilled at `share` of one core's time: while the stage
 * keeps up the bucket stays full and every question is embedded; in a burst those past the budget are searched
 * by BM25 alone and their groundings say LEXICAL. A slow model degrades answers, not throughput.
 */
export interface EmbeddingBudgetOptions {
  /** Share of one core's time the model may take on average (0 embeds nothing, 1 a whole core). */
  share: number;
  /** Model time, in ms, the bucket holds: how long a burst is embedded in full before the share applies. */
  capacityMs?: number;
  /** Cost assumed for a question until some have been measured. */
  initialMsPerQuestion?: number;
  now?: () => number;
}

export class EmbeddingBudget {
  private readonly share: number;
  private readonly capacityMs: number;
  private readonly now: () => number;
  private msPerQuestion: number;
  private tokensMs: number;
  private at: number;

  constructor(options: EmbeddingBudgetOptions) {
    this.share = options.share;
    this.capacityMs = options.capacityMs ?? 2000;
    this.now = options.now ?? (() => performance.now());
    this.msPerQuestion = options.initialMsPerQuestion ?? 15;
    this.tokensMs = this.capacityMs;
    this.at = this.now();
  }

  /** How many of `wanted` questions may be embedded now. */
  questions(wanted: number): number {
    this.refill();
    if (wanted <= 0 || this.share <= 0) return 0;
    return Math.min(wanted, Math.floor(this.tokensMs / this.msPerQuestion));
  }

  /** What embedding `questions` took; the bucket pays for it, and the cost per question is re-estimated. */
  spent(questions: number, elapsedMs: number): void {
    this.refill();
    this.tokensMs -= elapsedMs;
    if (questions > 0) this.msPerQuestion = 0.8 * this.msPerQuestion + 0.2 * (elapsedMs / questions);
  }

  private refill(): void {
    const now = this.now();
    this.tokensMs = Math.min(this.capacityMs, this.tokensMs + (now - this.at) * this.share);
    this.at = now;
  }
}
