/** `tsx processors/main.ts <name>[,<name>…] | --all`: ticketflow processors as a process (run.ts). */
import { parseProcessorNames, runProcessors } from './run.js';

let names;
try {
  names = parseProcessorNames(process.argv.slice(2));
} catch (error) {
  console.error(`processors: ${(error as Error).message}`);
  process.exit(2);
}
await runProcessors(names);
