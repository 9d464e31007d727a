/** How commands print results: a plain table for people, or the same rows as JSON with `--json`. */
import { formatTable } from '../../topics/format.js';
import { line, type OutStream } from './command.js';

export { formatTable };

export function printJson(stream: OutStream, value: unknown): void {
  line(stream, JSON.stringify(value, null, 2));
}

export function printTable(stream: OutStream, header: readonly string[], rows: readonly (readonly string[])[]): void {
  line(stream, formatTable(header, rows));
}

/** A number for a table cell; null (unknown, as Kafka's tools print it) becomes `-`. */
export const cell = (value: number | string | null | undefined): string =>
  value === null || value === undefined ? '-' : String(value);
