/** `npm run topics -- …`: an alias of `ticketflow topics` (ops/cli/topics.ts). */
import { runCommand } from '../ops/cli/command.js';
import { command } from '../ops/cli/topics.js';

process.exit(await runCommand(command, process.argv.slice(2)));
