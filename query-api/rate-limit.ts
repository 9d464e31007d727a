/**
 * A fixed one-minute window per org, in memory: each instance enforces the limit on its own share of the
 * traffic. Enough to stop one tenant's runaway dashboard from starving the others; not a billing meter.
 */
export class OrgRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** 0 when allowed, otherwise seconds until the org's window reopens. */
  take(orgId: string): number {
    const now = this.now();
    const start = now - (now % 60_000);
    let window = this.windows.get(orgId);
    if (!window || window.start !== start) {
      if (this.windows.size > 10_000) this.windows.clear();
      window = { start, count: 0 };
      this.windows.set(orgId, window);
    }
    if (window.count >= this.perMinute) return Math.max(1, Math.ceil((start + 60_000 - now) / 1000));
    window.count += 1;
    return 0;
  }
}
