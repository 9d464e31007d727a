/** `ticketflow provision`: migrations, topics and schemas applied to the running stack, idempotently. */
import { provision } from '../provision.js';
import { EXIT, line, parseOptions, UsageError, type Command } from './command.js';

const USAGE = `usage: ticketflow provision
  applies the database migrations, the topology's topics and every event topic's schema (BACKWARD);
  safe to repeat`;

export const command: Command = {
  name: 'provision',
  summary: 'apply migrations, topics and schemas to the running stack',
  usage: USAGE,
  async run(argv, io) {
    const { positionals } = parseOptions(argv, {});
    if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`, true);
    await provision(undefined, undefined, (text) => line(io.stdout, text));
    return EXIT.ok;
  },
};
