/**
 * Runs ticketflow processors in this process, each in its own consumer group with its own dead-letter topic,
 * sharing the process's clients, metrics and probes, until SIGTERM or SIGINT. Production runs one per process
 * (`enrich`), so each group scales and restarts on its own; a small box may host several (`--all`).
 */
import { loadConfig } from '../config/index.js';
import { hostedStage, isProcessorName, PROCESSOR_NAMES, type ProcessorName } from './catalog.js';
import { draftMetricsRegistry } from './respond/metrics.js';
import { Resources } from './resources.js';
import { processLogger, runStagesProcess, type RunningStages } from './runtime/main.js';

/** The processors named by `enrich,classify …` arguments, or all of them for `--all`; throws naming the unknown. */
export function parseProcessorNames(args: readonly string[]): ProcessorName[] {
  if (args.includes('--all')) return [...PROCESSOR_NAMES];
  const names = args.flatMap((a) => a.split(',')).filter((n) => n !== '');
  const unknown = names.filter((n) => !isProcessorName(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(
      `${unknown.length > 0 ? `unknown processor ${unknown.join(', ')}; ` : ''}` +
        `name one or more of ${PROCESSOR_NAMES.join(', ')}, or --all`,
    );
  }
  return [...new Set(names as ProcessorName[])];
}

export async function runProcessors(names: readonly ProcessorName[]): Promise<RunningStages> {
  const config = loadConfig();
  const logger = processLogger(config, names.join('+'));
  const resources = new Resources(config, logger);
  return runStagesProcess(
    names.map((name) => hostedStage(name, resources)),
    {
      config,
      logger,
      dependencies: resources.dependencies,
      metrics: resources.metrics,
      notReadyReasons: () => resources.notReadyReasons(),
      registries: names.includes('respond') ? [draftMetricsRegistry] : [],
      close: () => resources.close(),
    },
  );
}
