/** `ticketflow run <name>[,<name>…] | --all`: processors in the foreground of this process (processors/run.ts). */
import { PROCESSOR_NAMES } from '../../processors/catalog.js';
import { parseProcessorNames, runProcessors } from '../../processors/run.js';
import { UsageError, type Command } from './command.js';

export const command: Command = {
  name: 'run',
  summary: 'run processors in the foreground, each in its own consumer group',
  usage: `usage: ticketflow run <processor>[,<processor>…] | --all
  processors: ${PROCESSOR_NAMES.join(', ')}
  Each processor keeps its own consumer group, dead-letter topic and metrics (labelled by stage and group)
  whatever process hosts it; the probes (/healthz, /readyz, /metrics) listen on PROBE_PORT. Stops cleanly on
  SIGTERM or SIGINT, finishing and committing the batches in hand.`,
  async run(argv) {
    let names;
    try {
      names = parseProcessorNames(argv);
    } catch (error) {
      throw new UsageError((error as Error).message, true);
    }
    await runProcessors(names);
    // Runs until a signal; the shutdown handler exits the process.
    return new Promise<number>(() => undefined);
  },
};
