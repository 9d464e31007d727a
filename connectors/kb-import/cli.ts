/** `tsx connectors/kb-import/cli.ts --org <id> <path> …`: an alias of `ticketflow kb import` (ops/cli/kb.ts). */
import { runCommand } from '../../ops/cli/command.js';
import { command } from '../../ops/cli/kb.js';

process.exit(await runCommand(command, ['import', ...process.argv.slice(2)]));
