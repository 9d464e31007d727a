import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface Probes {
  /** The process is alive and its event loop answers. */
  live(): boolean;
  /** The process is doing its job: connected and in its consumer group. */
  ready(): boolean;
}

/** `/healthz`, `/readyz` and `/metrics` on a plain HTTP server: a processor needs nothing more. */
export function serveProbes(port: number, host: string, probes: Probes, registry: Registry): Promise<Server> {
  const server = createServer((req, res) => {
    const reply = (status: number, body: string, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    switch (req.url) {
      case '/healthz':
        return probes.live() ? reply(200, 'ok\n') : reply(503, 'not live\n');
      case '/readyz':
        return probes.ready() ? reply(200, 'ready\n') : reply(503, 'not ready\n');
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
