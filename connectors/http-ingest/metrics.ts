import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What ingest exports on `/metrics`, on a registry of its own so tests can build several apps in a process. */
export function createIngestMetrics() {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'http-ingest' });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'ticketflow_ingest_http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'ticketflow_ingest_http_request_duration_seconds',
      help: 'Time from receiving a request to sending its response',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    eventsAccepted: new Counter({
      name: 'ticketflow_ingest_events_accepted_total',
      help: 'InteractionReceived events acknowledged by Kafka and answered with 202',
      labelNames: ['route'] as const,
      registers: [registry],
    }),
    idempotentReplays: new Counter({
      name: 'ticketflow_ingest_idempotent_replays_total',
      help: 'Requests answered from an earlier response with the same Idempotency-Key, producing nothing',
      registers: [registry],
    }),
    kafkaBatchRecords: new Histogram({
      name: 'ticketflow_ingest_kafka_batch_records',
      help: 'Records per Kafka send: how many requests group commit puts in one round trip',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
      registers: [registry],
    }),
  };
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
