/**
 * The shape of Avro schema JSON and Avro's naming rules, shared by the loader, the inliner and the code
 * generator so that all three resolve a name to the same type.
 */

export type Schema = string | Schema[] | SchemaObject;

export interface SchemaObject {
  readonly type: Schema;
  readonly [attribute: string]: unknown;
}

export interface FieldSchema {
  readonly name: string;
  readonly type: Schema;
  readonly doc?: string;
  readonly default?: unknown;
  readonly [attribute: string]: unknown;
}

export interface NamedSchema extends SchemaObject {
  readonly type: 'record' | 'error' | 'enum' | 'fixed';
  readonly name: string;
  readonly namespace?: string;
  readonly doc?: string;
}

export interface RecordSchema extends NamedSchema {
  readonly type: 'record';
  // Mutable in type only, so the schema can be handed to Avro clients typed with plain arrays; the catalog's
  // schemas are frozen.
  readonly fields: FieldSchema[];
}

export interface EnumSchema extends NamedSchema {
  readonly type: 'enum';
  readonly symbols: readonly string[];
  readonly default?: string;
}

export const PRIMITIVE_TYPES: ReadonlySet<string> = new Set([
  'null',
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'bytes',
  'string',
]);

const NAMED_KINDS: ReadonlySet<unknown> = new Set(['record', 'error', 'enum', 'fixed']);

export const isSchemaObject = (schema: Schema): schema is SchemaObject =>
  typeof schema === 'object' && schema !== null && !Array.isArray(schema);

export const isNamed = (schema: Schema): schema is NamedSchema =>
  isSchemaObject(schema) && NAMED_KINDS.has(schema.type) && typeof schema.name === 'string';

export const isRecord = (schema: Schema): schema is RecordSchema =>
  isNamed(schema) && (schema.type === 'record' || schema.type === 'error');

export const isEnum = (schema: Schema): schema is EnumSchema => isNamed(schema) && schema.type === 'enum';

/**
 * Avro's rule: a name containing a dot is already full; otherwise the type's own `namespace`, or else the
 * namespace of the enclosing named type, qualifies it. Types without any namespace are refused because a
 * namespaced schema cannot refer to them unambiguously, and every ticketflow type has one.
 */
export function fullName(name: string, namespace: string | undefined): string {
  if (name.includes('.')) return name;
  if (!namespace) throw new Error(`type ${name} has no namespace`);
  return `${namespace}.${name}`;
}

export function splitName(full: string): { namespace: string; name: string } {
  const dot = full.lastIndexOf('.');
  return { namespace: full.slice(0, dot), name: full.slice(dot + 1) };
}

/** The full name a named type defines, given the namespace it was found in. */
export const definedName = (schema: NamedSchema, enclosing: string | undefined): string =>
  fullName(schema.name, schema.namespace || enclosing);

/** Where a named type sits in its source: the namespace its own references resolve against. */
export interface Definition {
  readonly schema: NamedSchema;
  readonly namespace: string;
  /** The file that defines it, for error messages. */
  readonly file: string;
}

/**
 * Every named type a schema defines, nested ones included, by full name. References (strings) are not
 * followed: this lists what the schema declares, not what it uses.
 */
export function collectDefinitions(
  schema: Schema,
  file: string,
  enclosing?: string,
  out = new Map<string, Definition>(),
) {
  if (Array.isArray(schema)) {
    for (const branch of schema) collectDefinitions(branch, file, enclosing, out);
  } else if (isNamed(schema)) {
    const full = definedName(schema, enclosing);
    const earlier = out.get(full);
    if (earlier) throw new Error(`${full} is defined twice: in ${earlier.file} and in ${file}`);
    const namespace = splitName(full).namespace;
    out.set(full, { schema, namespace, file });
    if (isRecord(schema)) for (const field of schema.fields) collectDefinitions(field.type, file, namespace, out);
  } else if (isSchemaObject(schema)) {
    if (schema.type === 'array') collectDefinitions(schema.items as Schema, file, enclosing, out);
    else if (schema.type === 'map') collectDefinitions(schema.values as Schema, file, enclosing, out);
    else if (typeof schema.type !== 'string') collectDefinitions(schema.type, file, enclosing, out);
  }
  return out;
}
