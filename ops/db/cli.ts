/** `npm run db:migrate -- …`: an alias of `ticketflow db` (ops/cli/db.ts). */
import { runCommand } from '../cli/command.js';
import { command } from '../cli/db.js';

process.exit(await runCommand(command, process.argv.slice(2)));
