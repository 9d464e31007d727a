/**
 * ticketflow's own processes, supervised like the servers they run on: one process per consumer group (each
 * stage and each sink), plus HTTP ingest and the query API. A process per group keeps the deployment shape of
 * production, where each group scales, restarts and is replayed on its own.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config/index.js';
import { ticketflow } from '../../topics/topology.js';
import { consumerGroupId } from '../../topics/naming.js';
import type { ServiceDefinition } from './service.js';
import { dataServices } from './services/index.js';

export interface AppSpec {
  readonly name: string;
  /** Entry file, relative to the repository root, and its arguments. */
  readonly entry: string;
  readonly args?: readonly string[];
}

/** One processor (a stage or a sink, each its own consumer group) as a process of its own. */
export const processorApp = (name: string): AppSpec => ({ name, entry: 'processors/main.ts', args: [name] });

/** The stages' consumer groups, in pipeline order. */
export const STAGE_APPS: readonly AppSpec[] = ['enrich', 'classify', 'retrieve', 'respond', 'route'].map(processorApp);

/** Every consumer group: the stages, then the sinks. */
export const PROCESSOR_APPS: readonly AppSpec[] = [
  ...STAGE_APPS,
  ...['ticket-store', 'search-index', 'live-views'].map(processorApp),
];

export const INGEST_APP: AppSpec = { name: 'ingest', entry: 'connectors/http-ingest/main.ts' };
export const QUERY_API_APP: AppSpec = { name: 'query-api', entry: 'query-api/main.ts' };

/** `node --import tsx <entry>`: TypeScript runs as written, without a build step to forget. */
export function nodeCommand(root: string, app: AppSpec): { command: string; args: string[] } {
  return { command: process.execPath, args: ['--import', 'tsx', path.join(root, app.entry), ...(app.args ?? [])] };
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/** Labels Prometheus puts on a process's series: its app, and for a consumer its stage and group. */
function appLabels(app: AppSpec): Record<string, string> {
  const consumer = PROCESSOR_APPS.includes(app);
  return {
    app: app.name,
    instance: app.name,
    ...(consumer ? { stage: app.name, group: consumerGroupId(ticketflow.namespace, app.name) } : {}),
  };
}

function appService(app: AppSpec, port: number, env: Record<string, string>): ServiceDefinition {
  return {
    name: app.name,
    metrics: () => ({ port, path: '/metrics', labels: appLabels(app) }),
    dependsOn: dataServices.filter((s) => !s.optional).map((s) => s.name),
    startTimeoutMs: 90_000,
    ports: () => [port],
    endpoint: (stack) => `http://${stack.host}:${port}`,
    async install(ctx) {
      if (!existsSync(path.join(ctx.root, 'node_modules', 'tsx'))) {
        throw new Error('node_modules is missing: run ops/install.sh');
      }
    },
    async process(ctx) {
      return { ...nodeCommand(ctx.root, app), cwd: ctx.root, env: { PROCESSOR_INSTANCE_ID: app.name, ...env } };
    },
    healthy: (ctx) => answers(`http://${ctx.config.host}:${port}/readyz`),
  };
}

/** Every ticketflow process of the demo, with the ports its probes or API answer on. */
export function appServices(config: Config): ServiceDefinition[] {
  const base = config.stack.appProbeBasePort;
  return [
    ...PROCESSOR_APPS.map((app, i) => appService(app, base + i, { PROBE_PORT: String(base + i) })),
    appService(INGEST_APP, config.ingest.port, {}),
    appService(QUERY_API_APP, config.queryApi.port, {}),
  ];
}
