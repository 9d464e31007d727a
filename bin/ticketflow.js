#!/usr/bin/env node
// The `ticketflow` command. The project is TypeScript run by tsx, with no build step, so this plain-JS
// launcher registers tsx's loader and hands the arguments to the command table in ops/cli/main.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import(new URL('../ops/cli/main.ts', import.meta.url).href);
// Exit as soon as the command is done: a client library's idle socket or timer must not keep a script waiting.
process.exit(await main(process.argv.slice(2)));
