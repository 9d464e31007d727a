/**
 * Runs one or more stages in a process: each its own consumer group, producer and dead-letter topic, all
 * sharing the schema-registry client, one Prometheus registry (labelled by stage and group), one probe server
 * and one shutdown that finishes the work in hand, commits and leaves every group within a deadline.
 * Production runs one stage per process; a small box may host several in one.
 */
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { Registry, type Metric } from 'prom-client';
import { loadConfig, type Config } from '../../config/index.js';
import { EventCodec } from './codec.js';
import { errorSerializers } from './log-errors.js';
import type { Dependency } from './dependency.js';
import { createKafka } from './kafka.js';
import { BREAKER_STATE_VALUE, createProcessMetrics, type ProcessMetrics } from './metrics.js';
import { serveProbes } from './probes.js';
import { StageRunner, type RunnerOptions } from './runner.js';
import { stopOnSignals } from './shutdown.js';
import type { AnyStage, Envelope } from './stage.js';
import type { StageWiring } from './wiring.js';

export interface HostedStage {
  readonly stage: AnyStage;
  readonly wiring: StageWiring;
  readonly options?: Partial<RunnerOptions>;
}

export interface RunningStages {
  readonly probeUrl: string;
  readonly metrics: ProcessMetrics;
  stop(): Promise<void>;
}

export interface HostOptions {
  readonly config?: Config;
  /** Dependencies to report in readiness and metrics. */
  readonly dependencies?: readonly Dependency[];
  /** Metrics the stages keep beyond the runtime's (a cache they share), served on the same `/metrics`. */
  readonly metrics?: readonly Metric[];
  /** More reasons not to be ready (a table the stages read still loading). */
  readonly notReadyReasons?: () => string[];
  /** More metrics to serve beside the runtime's (a stage's own, e.g. the respond chain's per tier). */
  readonly registries?: readonly Registry[];
  /** Runs after every stage stopped: closes the clients the stages used. */
  readonly close?: () => Promise<void>;
  readonly logger?: Logger;
}

export function processLogger(config: Config, name: string): Logger {
  return pino({ level: config.logLevel, base: { process: name, pid: process.pid }, serializers: errorSerializers });
}

export async function startStages(stages: readonly HostedStage[], host: HostOptions = {}): Promise<RunningStages> {
  const config = host.config ?? loadConfig();
  const name = stages.map((s) => s.stage.name).join('+');
  const logger = host.logger ?? processLogger(config, name);
  const metrics = createProcessMetrics(config.processor.instanceId);
  // Registered into the process's registry, so they carry its instance label like every other series.
  for (const metric of host.metrics ?? []) metrics.registry.registerMetric(metric);
  const dependencies = host.dependencies ?? [];
  const unwatch = dependencies.map((dependency) => {
    metrics.dependencyState.set({ dependency: dependency.name }, BREAKER_STATE_VALUE[dependency.state]);
    return dependency.watch((state, error) => {
      metrics.dependencyState.set({ dependency: dependency.name }, BREAKER_STATE_VALUE[state]);
      if (state === 'open') logger.warn({ dependency: dependency.name, err: error }, 'dependency unavailable');
      if (state === 'closed') logger.info({ dependency: dependency.name }, 'dependency available again');
    });
  });
  const codec = EventCodec.connect(config.schemaRegistry.url);
  const runners = stages.map(
    ({ stage, wiring, options }) =>
      new StageRunner<Envelope, Envelope>(
        createKafka(config, logger, `${config.kafka.clientId}-${stage.name}`),
        codec,
        stage,
        wiring,
        logger.child({ stage: stage.name, version: stage.version }),
        metrics,
        {
          concurrency: config.processor.concurrency,
          maxAttempts: config.processor.maxAttempts,
          instanceId:
            stages.length === 1 ? config.processor.instanceId : `${config.processor.instanceId}.${stage.name}`,
          ...options,
        },
      ),
  );
  const probes = await serveProbes(
    config.processor.probePort,
    '127.0.0.1',
    {
      live: () => true,
      notReadyReasons: () => [
        ...runners.flatMap((runner, i) => runner.notReadyReasons().map((r) => `${stages[i]!.stage.name}: ${r}`)),
        ...dependencies.filter((d) => d.state !== 'closed').map((d) => d.describe()),
        ...(host.notReadyReasons?.() ?? []),
      ],
    },
    servedRegistry(metrics.registry, host.registries ?? [], config.processor.instanceId),
  );
  const probeUrl = `http://127.0.0.1:${(probes.address() as AddressInfo).port}`;
  await Promise.all(runners.map((runner) => runner.start()));
  logger.info({ stages: stages.map((s) => ({ name: s.stage.name, wiring: s.wiring })), probeUrl }, 'started');
  return {
    probeUrl,
    metrics,
    async stop() {
      await Promise.all(runners.map((runner) => runner.stop()));
      await new Promise((resolve) => probes.close(resolve));
      for (const stopWatching of unwatch) stopWatching();
      await host.close?.();
      logger.info('stopped');
    },
  };
}

/** The runtime's metrics and the stages' own, served as one, every series labelled with the instance. */
function servedRegistry(runtime: Registry, more: readonly Registry[], instance: string): Registry {
  if (more.length === 0) return runtime;
  const merged = Registry.merge([runtime, ...more]);
  merged.setDefaultLabels({ instance });
  return merged;
}

/** Entry point of a processor process: starts its stages and stops them cleanly on SIGTERM or SIGINT. */
export async function runStagesProcess(stages: readonly HostedStage[], host: HostOptions = {}): Promise<RunningStages> {
  const config = host.config ?? loadConfig();
  const running = await startStages(stages, { ...host, config });
  // Past the deadline the process exits without committing; at-least-once delivery makes that safe.
  stopOnSignals(() => running.stop(), {
    deadlineMs: config.processor.shutdownDeadlineMs,
    logger: host.logger ?? processLogger(config, stages.map((s) => s.stage.name).join('+')),
  });
  return running;
}
