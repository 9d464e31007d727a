import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus metrics every processor exports, on a registry of its own. */
export function createProcessorMetrics(stage: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ stage });
  collectDefaultMetrics({ register: registry });
  const labelNames = ['topic'] as const;
  return {
    registry,
    consumed: new Counter({
      name: 'ticketflow_events_consumed_total',
      help: 'Events read from input topics',
      labelNames,
      registers: [registry],
    }),
    produced: new Counter({
      name: 'ticketflow_events_produced_total',
      help: 'Events acknowledged on output topics',
      labelNames,
      registers: [registry],
    }),
    failed: new Counter({
      name: 'ticketflow_handler_failures_total',
      help: 'Handler attempts that threw, by whether the error was permanent',
      labelNames: ['topic', 'kind'] as const,
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'ticketflow_events_dead_lettered_total',
      help: 'Events sent to the dead-letter topic',
      labelNames,
      registers: [registry],
    }),
    handlerSeconds: new Histogram({
      name: 'ticketflow_handler_duration_seconds',
      help: 'Time a handler takes for one event, retries included',
      labelNames,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'ticketflow_events_in_flight',
      help: 'Events being handled right now',
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'ticketflow_consumer_lag',
      help: 'Messages between the last one fetched and the end of the partition',
      labelNames: ['topic', 'partition'] as const,
      registers: [registry],
    }),
  };
}

export type ProcessorMetrics = ReturnType<typeof createProcessorMetrics>;
