/** `ticketflow classify`: the intent model on texts from stdin (processors/classify/cli.ts does the work). */
import { run, USAGE } from '../../processors/classify/cli.js';
import type { Command } from './command.js';

export const command: Command = {
  name: 'classify',
  summary: 'classify texts from stdin, one JSON line each',
  usage: USAGE,
  run: (argv) => run(argv),
};
