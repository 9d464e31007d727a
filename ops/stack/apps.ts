/**
 * ticketflow's own processes, supervised like the servers they run on: one process per consumer group (each
 * stage and each sink), plus HTTP ingest and the query API. A process per group keeps the deployment shape of
 * production, where each group scales, restarts and is replayed on its own.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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
  /** Options for node itself, e.g. `--cpu-prof` (which NODE_OPTIONS does not take). */
  readonly nodeArgs?: readonly string[];
}

/** One processor (a stage or a sink, each its own consumer group) as a process of its own. */
export const processorApp = (name: string): AppSpec => ({ name, entry: 'processors/main.ts', args: [name] });

/** The stages' consumer groups, in pipeline order. */
export const STAGE_APPS: readonly AppSpec[] = ['enrich', 'classify', 'retrieve', 'respond', 'route'].map(processorApp);

/** The knowledge base's consumer groups: documents cut into passages, and passages indexed for retrieval. */
export const KNOWLEDGE_APPS: readonly AppSpec[] = ['chunk', 'kb-index'].map(processorApp);

/**
 * Every consumer group: the stages, then the sinks, then the knowledge base's (last, so the probe ports of the
 * others stay where they were).
 */
export const PROCESSOR_APPS: readonly AppSpec[] = [
  ...STAGE_APPS,
  ...['ticket-store', 'search-index', 'live-views'].map(processorApp),
  ...KNOWLEDGE_APPS,
];

export const INGEST_APP: AppSpec = { name: 'ingest', entry: 'connectors/http-ingest/main.ts' };
export const QUERY_API_APP: AppSpec = { name: 'query-api', entry: 'query-api/main.ts' };

/** `node --import tsx <entry>`: TypeScript runs as written, without a build step to forget. */
export function nodeCommand(root: string, app: AppSpec): { command: string; args: string[] } {
  return {
    command: process.execPath,
    args: [...(app.nodeArgs ?? []), '--import', 'tsx', path.join(root, app.entry), ...(app.args ?? [])],
  };
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

/**
 * How many instances of each processor the stack runs (`ticketflow scale`), kept in the state folder so `up`,
 * `status` and `stop` see the same list. Instance 1 is named after its processor, instance k after it with `-k`.
 */
export type InstanceCounts = Readonly<Record<string, number>>;

const countsFile = (stateDir: string) => path.join(stateDir, 'instances.json');

export function readInstanceCounts(stateDir: string): InstanceCounts {
  try {
    return JSON.parse(readFileSync(countsFile(stateDir), 'utf8')) as InstanceCounts;
  } catch {
    return {};
  }
}

export function writeInstanceCounts(stateDir: string, counts: InstanceCounts): void {
  mkdirSync(stateDir, { recursive: true });
  const file = countsFile(stateDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(counts, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** The name of instance `k` (from 1) of a processor. */
export const instanceName = (processor: string, k: number): string => (k === 1 ? processor : `${processor}-${k}`);

/** The processor a stack process runs, or undefined for one that runs none (ingest, the query API). */
export function processorOf(serviceName: string): string | undefined {
  if (PROCESSOR_APPS.some((app) => app.name === serviceName)) return serviceName;
  const match = /^(.+)-([2-9]|[1-9]\d+)$/.exec(serviceName);
  return match && PROCESSOR_APPS.some((app) => app.name === match[1]) ? match[1] : undefined;
}

/** Labels Prometheus puts on a process's series: its app, and for a consumer its stage and group. */
function appLabels(name: string): Record<string, string> {
  const processor = processorOf(name);
  return {
    app: name,
    instance: name,
    ...(processor ? { stage: processor, group: consumerGroupId(ticketflow.namespace, processor) } : {}),
  };
}

function appService(app: AppSpec, port: number, env: Record<string, string>, name = app.name): ServiceDefinition {
  return {
    name,
    metrics: () => ({ port, path: '/metrics', labels: appLabels(name) }),
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
      return { ...nodeCommand(ctx.root, app), cwd: ctx.root, env: { PROCESSOR_INSTANCE_ID: name, ...env } };
    },
    healthy: (ctx) => answers(`http://${ctx.config.host}:${port}/readyz`),
  };
}

/** Probe ports: instance 1 of processor i on base + i, instance k on base + 100 × (k − 1) + i. */
export const probePort = (base: number, processorIndex: number, k: number): number =>
  base + 100 * (k - 1) + processorIndex;

/** Every ticketflow process of the stack, each processor as many times as it is scaled to. */
export function appServices(config: Config, counts = readInstanceCounts(config.stack.stateDir)): ServiceDefinition[] {
  const base = config.stack.appProbeBasePort;
  return [
    ...PROCESSOR_APPS.flatMap((app, i) =>
      Array.from({ length: Math.max(1, counts[app.name] ?? 1) }, (_, k) => {
        const port = probePort(base, i, k + 1);
        return appService(app, port, { PROBE_PORT: String(port) }, instanceName(app.name, k + 1));
      }),
    ),
    appService(INGEST_APP, config.ingest.port, {}),
    appService(QUERY_API_APP, config.queryApi.port, {}),
  ];
}
