/** `npm run stack -- …`: an alias of `ticketflow stack` (ops/cli/stack.ts). */
import { runCommand } from '../cli/command.js';
import { command } from '../cli/stack.js';

process.exit(await runCommand(command, process.argv.slice(2)));
