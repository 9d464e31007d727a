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
    throttled: new Counter({
      name: 'ticketflow_query_rate_limited_total',
      help: 'Requests refused with 429, by the limit that refused them (org, user, org-endpoint, user-endpoint)',
      labelNames: ['scope', 'endpoint'] as const,
      registers: [registry],
    }),
    limiterFallbacks: new Counter({
      name: 'ticketflow_query_rate_limit_fallbacks_total',
      help: 'Requests whose limits were checked in this process alone because Redis did not answer',
      registers: [registry],
    }),
    limitSettingsErrors: new Counter({
      name: 'ticketflow_query_rate_limit_settings_errors_total',
      help: "Failed reads of an org's limits from PostgreSQL; the last known limits (or the defaults) applied",
      registers: [registry],
    }),
  };
}

export type QueryApiMetrics = ReturnType<typeof createQueryApiMetrics>;
