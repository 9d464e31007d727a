#!/usr/bin/env node
// The `ticketflow` command. The project is TypeScript run by tsx, with no build step, so this plain-JS
// launcher registers tsx's loader and then imports the TypeScript entry point of the subcommand.
import { register } from 'tsx/esm/api';

const COMMANDS = {
  classify: { entry: '../processors/classify/cli.ts', summary: 'classify texts from stdin, one JSON line each' },
};

function usage() {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: ticketflow <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nticketflow <command> --help for its options`;
}

const [command, ...args] = process.argv.slice(2);
if (command === '--help' || command === '-h' || command === 'help') {
  console.log(usage());
} else if (command === undefined || !Object.hasOwn(COMMANDS, command)) {
  console.error(command === undefined ? usage() : `unknown command ${JSON.stringify(command)}\n\n${usage()}`);
  process.exitCode = 2;
} else {
  register();
  const { run } = await import(new URL(COMMANDS[command].entry, import.meta.url).href);
  process.exitCode = await run(args);
}
