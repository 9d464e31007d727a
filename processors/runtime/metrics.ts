import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BreakerState } from './dependency.js';

/**
 * The Prometheus metrics of one ticketflow process, which may host several stages: one registry, every series
 * labelled with the stage and its consumer group, and the process's instance as a default label, so operators
 * filter by stage, group or instance whatever the process shape.
 */
export function createProcessMetrics(instance: string) {
  const registry = new Registry();
  registry.setDefaultLabels({ instance });
  collectDefaultMetrics({ register: registry });
  const stage = ['stage', 'group'] as const;
  const registers = [registry];
  return {
    registry,
    consumed: new Counter({
      name: 'ticketflow_events_consumed_total',
      help: 'Events read from input topics',
      labelNames: [...stage, 'topic'],
      registers,
    }),
    produced: new Counter({
      name: 'ticketflow_events_produced_total',
      help: 'Events acknowledged on output topics',
      labelNames: [...stage, 'topic'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'ticketflow_events_dead_lettered_total',
      help: 'Events sent to the dead-letter topic, by the topic they were read from',
      labelNames: [...stage, 'topic'],
      registers,
    }),
    failed: new Counter({
      name: 'ticketflow_handler_failures_total',
      help: 'Handler failures by cause: permanent (dead-lettered), transient (retried), unavailable (waited out)',
      labelNames: [...stage, 'topic', 'kind'],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'ticketflow_batch_duration_seconds',
      help: 'Time to process one fetched batch, from decoding to the offset commit; the longest an event waits in a stage',
      labelNames: stage,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    batchSize: new Histogram({
      name: 'ticketflow_batch_size',
      help: 'Events in one fetched batch',
      labelNames: stage,
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
      registers,
    }),
    inFlight: new Gauge({
      name: 'ticketflow_events_in_flight',
      help: 'Events in the batch being processed right now',
      labelNames: stage,
      registers,
    }),
    lag: new Gauge({
      name: 'ticketflow_consumer_lag',
      help: 'Messages between the last one fetched and the end of the partition',
      labelNames: [...stage, 'topic', 'partition'],
      registers,
    }),
    ready: new Gauge({
      name: 'ticketflow_ready',
      help: '1 when the stage is in its group, connected and not waiting for a dependency',
      labelNames: stage,
      registers,
    }),
    dependencyState: new Gauge({
      name: 'ticketflow_dependency_state',
      help: 'Circuit breaker of each dependency: 0 closed (available), 1 half-open (probing), 2 open (away)',
      labelNames: ['dependency'],
      registers,
    }),
  };
}

export type ProcessMetrics = ReturnType<typeof createProcessMetrics>;

export const BREAKER_STATE_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, 'half-open': 1, open: 2 };
