/**
 * The `ticketflow` command's table of subcommands. Each lives in its own module under ops/cli/ and is loaded
 * only when run, so `ticketflow --help` and a typo answer at once. A new command (`scale`, `views`) is one
 * more entry here and one module exporting `command`.
 */
import { EXIT, line, processIo, runCommand, type Command, type Io } from './command.js';

interface Entry {
  readonly summary: string;
  load(): Promise<{ command: Command }>;
}

export const COMMANDS: Readonly<Record<string, Entry>> = {
  stack: { summary: 'start, stop and inspect the local servers and processes', load: () => import('./stack.js') },
  topics: { summary: 'apply or describe the Kafka topology', load: () => import('./topics.js') },
  provision: {
    summary: 'apply migrations, topics and schemas to the running stack',
    load: () => import('./provision.js'),
  },
  db: { summary: 'database migrations, orgs, ingest keys, route settings', load: () => import('./db.js') },
  kb: { summary: "import articles into an org's knowledge base, or search it", load: () => import('./kb.js') },
  classify: { summary: 'classify texts from stdin, one JSON line each', load: () => import('./classify.js') },
  model: {
    summary: 'intent models per org: train, list, show, promote, shadow, retire',
    load: () => import('./model.js'),
  },
  groups: { summary: 'consumer groups: state, members, lag per partition', load: () => import('./groups.js') },
  replay: { summary: "reset a consumer group's offsets to reprocess", load: () => import('./replay.js') },
  dlq: { summary: 'list, show, redrive and purge dead letters', load: () => import('./dlq.js') },
  scale: {
    summary: 'run n instances of a stage or sink, each a member of its group',
    load: () => import('./scale.js'),
  },
  views: {
    summary: 'versions of the materialized views and their blue/green rebuild',
    load: () => import('./views.js'),
  },
  run: { summary: 'run processors in the foreground, each in its own consumer group', load: () => import('./run.js') },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: ticketflow <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'ticketflow <command> --help for its options',
    'exit codes: 0 done, 1 failed, 2 refused (bad arguments or state; nothing changed)',
  ].join('\n');
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    line(io.stdout, usage());
    return EXIT.ok;
  }
  const entry = name === undefined ? undefined : COMMANDS[name];
  if (!entry || !Object.hasOwn(COMMANDS, name!)) {
    line(io.stderr, name === undefined ? usage() : `unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return EXIT.usage;
  }
  const { command } = await entry.load();
  return runCommand(command, args, io);
}
