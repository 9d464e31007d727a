/** For tests of commands: an `Io` whose output and errors are kept as strings. */
import type { Io } from './command.js';

export function capturedIo(): Io & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (c: string | Uint8Array) => ((out += String(c)), true) },
    stderr: { write: (c: string | Uint8Array) => ((err += String(c)), true) },
    out: () => out,
    err: () => err,
  };
}
