import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface Probes {
  /** The process is alive and its event loop answers: a restart would not help otherwise. */
  live(): boolean;
  /** Why the process is not doing its job right now (not in its group, a dependency away); empty when ready. */
  notReadyReasons(): string[];
}

/**
 * `/healthz`, `/readyz` and `/metrics` on a plain HTTP server: a processor needs nothing more. Readiness answers
 * JSON with its reasons, so an operator sees at once which dependency a stage is waiting for.
 */
export function serveProbes(port: number, host: string, probes: Probes, registry: Registry): Promise<Server> {
  const server = createServer((req, res) => {
    const reply = (status: number, body: string, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    switch (req.url) {
      case '/healthz':
        return probes.live() ? reply(200, 'ok\n') : reply(503, 'not live\n');
      case '/readyz': {
        const reasons = probes.notReadyReasons();
        const body = `${JSON.stringify({ ready: reasons.length === 0, reasons })}\n`;
        return reply(reasons.length === 0 ? 200 : 503, body, 'application/json');
      }
      case '/metrics':
        registry.metrics().then(
          (text) => reply(200, text, registry.contentType),
          (error: Error) => reply(500, error.message),
        );
        return;
      default:
        return reply(404, 'not found\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
