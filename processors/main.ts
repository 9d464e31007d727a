/**
 * `tsx processors/main.ts <name>[,<name>…] | --all`: runs ticketflow processors in one process, each in its own
 * consumer group with its own dead-letter topic, sharing the process's clients, metrics and probes. Production
 * runs one per process (`processors/main.ts enrich`), so each group scales and restarts on its own; a small box
 * may host several (`--all`).
 */
import { loadConfig } from '../config/index.js';
import { hostedStage, isProcessorName, PROCESSOR_NAMES } from './catalog.js';
import { Resources } from './resources.js';
import { processLogger, runStagesProcess } from './runtime/main.js';

export function parseProcessorNames(args: readonly string[]): string[] {
  if (args.includes('--all')) return [...PROCESSOR_NAMES];
  const names = args.flatMap((a) => a.split(',')).filter((n) => n !== '');
  const unknown = names.filter((n) => !isProcessorName(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(
      `${unknown.length > 0 ? `unknown processor ${unknown.join(', ')}; ` : ''}` +
        `name one or more of ${PROCESSOR_NAMES.join(', ')}, or --all`,
    );
  }
  return [...new Set(names)];
}

let names: string[];
try {
  names = parseProcessorNames(process.argv.slice(2));
} catch (error) {
  console.error(`processors: ${(error as Error).message}`);
  process.exit(2);
}
const config = loadConfig();
const logger = processLogger(config, names.join('+'));
const resources = new Resources(config, logger);
await runStagesProcess(
  names.map((name) => hostedStage(name as (typeof PROCESSOR_NAMES)[number], resources)),
  { config, logger, dependencies: resources.dependencies, close: () => resources.close() },
);
