/**
 * What every `ticketflow` subcommand shares: its exit codes, the error that means "you asked wrongly", the
 * streams it writes to, and option parsing that turns node's parser errors into that error.
 *
 * Exit codes, the same for every subcommand so scripts can trust them:
 *   0  done
 *   1  failed: a service was unreachable or an operation failed; the message says how far it got
 *   2  refused: bad arguments or configuration, an unknown name, a value out of range, or a request the
 *      current state does not allow (a live consumer group); nothing was changed
 */
import type { Readable, Writable } from 'node:stream';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../../config/index.js';

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** Refused before anything changed: exit 2. `showUsage` adds the command's usage text to the message. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly showUsage = false,
  ) {
    super(message);
  }
}

export interface OutStream extends Pick<Writable, 'write'> {
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Where a command writes: tables and JSON to stdout, progress and diagnostics to stderr. */
export interface Io {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  /** What a command reading its input from stdin reads; process.stdin unless told (tests). */
  readonly stdin?: Readable;
}

export const processIo: Io = { stdout: process.stdout, stderr: process.stderr };

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Resolves with the exit code; may throw UsageError (exit 2) or any other error (exit 1). */
  run(argv: string[], io: Io): Promise<number>;
}

export const line = (stream: OutStream, text = ''): void => void stream.write(`${text}\n`);

type Options = NonNullable<ParseArgsConfig['options']>;

/** node's parseArgs in strict mode; its own errors (unknown flag, missing value) become UsageErrors. */
export function parseOptions<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (error) {
    throw new UsageError((error as Error).message, true);
  }
}

/** `--help` or `-h` anywhere before a `--`. */
export function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/**
 * Runs a command and maps what it threw to an exit code and one clear message on stderr. `--help` prints the
 * command's usage and exit codes instead of running it.
 */
export async function runCommand(command: Command, argv: string[], io: Io = processIo): Promise<number> {
  if (asksForHelp(argv)) {
    line(io.stdout, helpText(command));
    return EXIT.ok;
  }
  try {
    return await command.run(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      line(io.stderr, `ticketflow ${command.name}: ${error.message}`);
      if (error.showUsage) line(io.stderr, `\n${command.usage}`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      line(io.stderr, `ticketflow ${command.name}: configuration: ${error.message}`);
      return EXIT.usage;
    }
    line(io.stderr, `ticketflow ${command.name}: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failure;
  }
}

/** `--help` text: the usage, then the exit codes every command shares. */
export function helpText(command: Pick<Command, 'usage'>): string {
  return `${command.usage}\n\nexit codes: 0 done, 1 failed, 2 refused (bad arguments or state; nothing changed)`;
}
