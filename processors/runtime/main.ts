/**
 * Runs one stage as a process: Kafka, the schema registry, probes and metrics, and a shutdown that finishes
 * the work in hand, commits and leaves the group within a deadline.
 */
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../config/index.js';
import { EventCodec } from './codec.js';
import { createKafka } from './kafka.js';
import { createProcessorMetrics } from './metrics.js';
import { serveProbes } from './probes.js';
import { stopOnSignals } from './shutdown.js';
import { StageRunner, type RunnerOptions, type StageWiring } from './runner.js';
import type { Envelope, Stage } from './stage.js';

export interface RunningStage {
  readonly probeUrl: string;
  stop(): Promise<void>;
}

export async function startStage<In extends Envelope, Out extends Envelope>(
  stage: Stage<In, Out>,
  wiring: StageWiring,
  options: Partial<RunnerOptions> = {},
  config: Config = loadConfig(),
): Promise<RunningStage> {
  const logger = pino({
    level: config.logLevel,
    base: { stage: stage.name, version: stage.version, pid: process.pid },
  });
  const metrics = createProcessorMetrics(stage.name);
  const runner = new StageRunner(
    createKafka(config, logger, `${config.kafka.clientId}-${stage.name}`),
    EventCodec.connect(config.schemaRegistry.url),
    stage,
    wiring,
    logger,
    metrics,
    {
      concurrency: config.processor.concurrency,
      maxAttempts: config.processor.maxAttempts,
      instanceId: config.processor.instanceId,
      ...options,
    },
  );
  const probes = await serveProbes(
    config.processor.probePort,
    '127.0.0.1',
    { live: () => true, ready: () => runner.ready() },
    metrics.registry,
  );
  const probeUrl = `http://127.0.0.1:${(probes.address() as AddressInfo).port}`;
  await runner.start();
  logger.info({ wiring, probeUrl }, 'stage started');
  return {
    probeUrl,
    async stop() {
      await runner.stop();
      await new Promise((resolve) => probes.close(resolve));
      logger.info('stage stopped');
    },
  };
}

/** Entry point of a stage process: starts it and stops it cleanly on SIGTERM or SIGINT. */
export async function runStageProcess<In extends Envelope, Out extends Envelope>(
  stage: Stage<In, Out>,
  wiring: StageWiring,
  options: Partial<RunnerOptions> = {},
): Promise<void> {
  const config = loadConfig();
  const running = await startStage(stage, wiring, options, config);
  // Past the deadline the process exits without committing; at-least-once delivery makes that safe.
  stopOnSignals(() => running.stop(), {
    deadlineMs: config.processor.shutdownDeadlineMs,
    logger: pino({ level: config.logLevel, base: { stage: stage.name, pid: process.pid } }),
  });
}
