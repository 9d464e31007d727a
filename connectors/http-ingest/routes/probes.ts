/** `/healthz`, `/readyz` and `/metrics`: for the orchestrator and Prometheus, without authentication. */
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

export interface ProbeOptions {
  /** Each resolves when its dependency can do its part right now, and rejects saying why not. */
  readonly checks: Readonly<Record<string, () => Promise<void>>>;
  readonly registry: Registry;
  readonly checkTimeoutMs?: number;
}

export const probeRoutes: FastifyPluginAsync<ProbeOptions> = async (
  app,
  { checks, registry, checkTimeoutMs = 1000 },
) => {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => [name, await outcome(check, checkTimeoutMs)] as const),
    );
    const ready = results.every(([, result]) => result === 'ok');
    // Not ready is not an error of ours to report as 500: the orchestrator should just route elsewhere.
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
};

async function outcome(check: () => Promise<void>, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  } finally {
    clearTimeout(timer);
  }
}
