/**
 * The version of a view that its live sink writes and its readers read, kept where a rebuild's switch sets it (a
 * document, a Redis key). Re-read when older than `refreshMs`, so a switch reaches every process within that time
 * without a round trip per batch or request. While it cannot be read, the version known last stands: the view's
 * own read or write that follows fails on its own, and is retried or answered as such.
 */
export class VersionPointer {
  private known: { version: number; at: number } | null = null;

  constructor(
    private readonly read: () => Promise<number>,
    private readonly refreshMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  async current(): Promise<number> {
    const at = this.now();
    if (!this.known || at - this.known.at >= this.refreshMs) {
      try {
        this.known = { version: await this.read(), at };
      } catch (error) {
        if (!this.known) throw error;
      }
    }
    return this.known.version;
  }
}
