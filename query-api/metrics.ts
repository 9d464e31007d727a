import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the query API exports on `/metrics`, on a registry of its own so tests can build several apps. */
export function createQueryApiMetrics() {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'query-api' });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'ticketflow_query_http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'ticketflow_query_http_request_duration_seconds',
      help: 'Time from receiving a request to sending its response',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'ticketflow_query_auth_failures_total',
      help: 'Requests refused with 401',
      registers: [registry],
    }),
  };
}

export type QueryApiMetrics = ReturnType<typeof createQueryApiMetrics>;
