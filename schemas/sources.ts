/**
 * Reads the contracts from schemas/avro: each top-level `.avsc` is one event, each `common/*.avsc` one
 * shared named type that events refer to by name. A file is named after the type it defines, so a reference
 * leads a reader straight to its file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectDefinitions, isNamed, isRecord, type Definition, type RecordSchema, type Schema } from './avro-json.js';

export const AVRO_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'avro');
export const COMMON_DIR_NAME = 'common';

export interface SchemaSources {
  /** Event schemas as written, by record name, sorted by name. */
  readonly events: ReadonlyMap<string, RecordSchema>;
  /** Every named type the common files define, nested ones included, by full name. */
  readonly shared: ReadonlyMap<string, Definition>;
}

export function readSchemaSources(dir: string = AVRO_DIR): SchemaSources {
  const shared = new Map<string, Definition>();
  for (const file of avscFiles(path.join(dir, COMMON_DIR_NAME))) {
    collectDefinitions(readNamedSchema(file), path.relative(dir, file), undefined, shared);
  }
  const events = new Map<string, RecordSchema>();
  for (const file of avscFiles(dir)) {
    const schema = readNamedSchema(file);
    if (!isRecord(schema)) throw new Error(`${file}: an event schema must be a record`);
    events.set(schema.name, schema);
  }
  return { events, shared };
}

function avscFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.avsc'))
    .map((entry) => path.join(dir, entry.name))
    .sort();
}

function readNamedSchema(file: string): Schema & { name: string } {
  let schema: Schema;
  try {
    schema = JSON.parse(readFileSync(file, 'utf8')) as Schema;
  } catch (error) {
    throw new Error(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  if (!isNamed(schema)) throw new Error(`${file}: must define one named type (record, enum or fixed)`);
  if (schema.name !== path.basename(file, '.avsc')) {
    throw new Error(`${file}: defines ${schema.name}; a file is named after the type it defines`);
  }
  return schema;
}
