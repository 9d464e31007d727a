/**
 * Every series Prometheus can find on ticketflow's targets, so rules and dashboards can be checked against names
 * that exist. Ingest's and the query API's come from their own registries; the processors' are those the shared
 * runtime exports (each with the default labels stage, group and instance).
 */
import { createIngestMetrics } from '../../connectors/http-ingest/metrics.js';
import { createQueryApiMetrics } from '../../query-api/metrics.js';

type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** The processors' metrics (processors/runtime). */
export const PROCESSOR_METRICS: ReadonlyArray<{ name: string; type: MetricType; labels: readonly string[] }> = [
  { name: 'ticketflow_events_consumed_total', type: 'counter', labels: ['topic'] },
  { name: 'ticketflow_events_produced_total', type: 'counter', labels: ['topic'] },
  { name: 'ticketflow_events_dead_lettered_total', type: 'counter', labels: ['topic'] },
  { name: 'ticketflow_handler_failures_total', type: 'counter', labels: ['topic', 'kind'] },
  { name: 'ticketflow_batch_duration_seconds', type: 'histogram', labels: [] },
  { name: 'ticketflow_batch_size', type: 'histogram', labels: [] },
  { name: 'ticketflow_events_in_flight', type: 'gauge', labels: [] },
  { name: 'ticketflow_consumer_lag', type: 'gauge', labels: ['topic', 'partition'] },
  { name: 'ticketflow_dependency_state', type: 'gauge', labels: ['dependency'] },
  { name: 'ticketflow_ready', type: 'gauge', labels: [] },
];

/** Series Prometheus writes itself for every target. */
const SCRAPE_SERIES = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped'];

/** The series names a metric becomes on the wire: a histogram is its buckets, sum and count. */
function seriesOf(name: string, type: string): string[] {
  if (type === 'histogram') return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
  if (type === 'summary') return [name, `${name}_sum`, `${name}_count`];
  return [name];
}

export async function knownSeries(): Promise<Set<string>> {
  const registries = [createIngestMetrics().registry, createQueryApiMetrics().registry];
  const exported = (await Promise.all(registries.map((r) => r.getMetricsAsJSON()))).flat();
  return new Set([
    ...SCRAPE_SERIES,
    ...PROCESSOR_METRICS.flatMap((m) => seriesOf(m.name, m.type)),
    ...exported.flatMap((m) => seriesOf(m.name, String(m.type))),
  ]);
}
