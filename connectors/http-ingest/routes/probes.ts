/**
 * `/healthz`, `/readyz` and `/metrics`: for the orchestrator and Prometheus, without authentication.
 *
 * Liveness (`/healthz`) only says the process answers. Readiness runs each dependency's check, but never lets a
 * slow one make `/readyz` slow: a check is run at most once per `cacheMs` (a store busy serving requests is not
 * pinged by every probe too), and `/readyz` waits at most `waitMs` for a fresh answer before reporting the last
 * one it has, if that is at most `staleMs` old (an older one is waited for, up to the check timeout). A check that has not answered within `checkTimeoutMs` counts as failed; a dependency that is down
 * fails its check at once and shows at the next probe. So readiness follows real outages within about a second
 * or the check timeout, and does not flap while a store answers slowly under load.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

export interface ProbeOptions {
  /** Each resolves when its dependency can do its part right now, and rejects saying why not. */
  readonly checks: Readonly<Record<string, () => Promise<void>>>;
  readonly registry: Registry;
  readonly checkTimeoutMs?: number;
  /** How long a check's answer is reused; 0 runs the check on every probe. */
  readonly cacheMs?: number;
  /** How long `/readyz` waits for a check in progress before reporting its previous answer. */
  readonly waitMs?: number;
  /** The oldest previous answer `/readyz` may report instead of waiting for the check in progress. */
  readonly staleMs?: number;
  /**
   * Checks whose failure leaves the process serving, if worse: `/readyz` then answers 200 with status
   * `degraded`, so an orchestrator keeps routing to it.
   */
  readonly degradable?: readonly string[];
}

/** One dependency's check, its last answer and the run in progress. */
class CachedCheck {
  private last: { result: string; at: number } | undefined;
  private running: Promise<string> | undefined;

  constructor(
    private readonly check: () => Promise<void>,
    private readonly timeoutMs: number,
    private readonly cacheMs: number,
    private readonly staleMs: number,
  ) {}

  async result(waitMs: number): Promise<string> {
    if (this.last && !this.running && Date.now() - this.last.at < this.cacheMs) return this.last.result;
    const run = (this.running ??= this.run());
    if (!this.last || Date.now() - this.last.at > this.staleMs) return run;
    let timer: NodeJS.Timeout | undefined;
    const previous = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(this.last!.result), waitMs)));
    try {
      return await Promise.race([run, previous]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    let result: string;
    try {
      await Promise.race([this.check(), timeout]);
      result = 'ok';
    } catch (error) {
      result = (error as Error).message;
    } finally {
      clearTimeout(timer);
    }
    this.last = { result, at: Date.now() };
    this.running = undefined;
    return result;
  }
}

export const probeRoutes: FastifyPluginAsync<ProbeOptions> = async (
  app,
  { checks, registry, checkTimeoutMs = 3000, cacheMs = 1000, waitMs = 200, staleMs = 10_000, degradable = [] },
) => {
  // Looked up at each run, not captured: a caller may swap a check (tests do).
  const cached = Object.keys(checks).map(
    (name) => [name, new CachedCheck(() => checks[name]!(), checkTimeoutMs, cacheMs, staleMs)] as const,
  );

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const results = await Promise.all(cached.map(async ([name, check]) => [name, await check.result(waitMs)] as const));
    const failing = results.filter(([, result]) => result !== 'ok').map(([name]) => name);
    const ready = failing.every((name) => degradable.includes(name));
    const status = !ready ? 'not ready' : failing.length > 0 ? 'degraded' : 'ready';
    // Not ready is not an error of ours to report as 500: the orchestrator should just route elsewhere.
    return reply.code(ready ? 200 : 503).send({ status, checks: Object.fromEntries(results) });
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
};
