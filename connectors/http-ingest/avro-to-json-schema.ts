/**
 * Avro schema → JSON Schema, for validating plain JSON that will be encoded with that Avro schema.
 *
 * The JSON is the application's shape, not Avro's JSON encoding: a nullable field is the value or null, not
 * `{"string": value}`, because that is what the registry client's avsc types accept. A field with an Avro
 * default is optional and carries the default as JSON Schema `default`, so a validator that fills defaults
 * hands back a value the Avro type accepts as it is. Records forbid unknown properties: an API that drops
 * what it does not know hides typos from the client that made them.
 *
 * Avro says nothing about lengths or formats; callers add such rules by instance path (`refine`), and leave
 * out fields the server fills (`omit`). Paths are JSON pointers with `*` for any array item or map value.
 */
import type { Definition, NamedSchema, Schema } from '../../schemas/avro-json.js';
import {
  collectDefinitions,
  definedName,
  fullName,
  isEnum,
  isNamed,
  isRecord,
  isSchemaObject,
  PRIMITIVE_TYPES,
} from '../../schemas/avro-json.js';

export type JsonSchema = { [keyword: string]: unknown };

export interface ConvertOptions {
  /** Extra keywords merged into the schema at an instance path, e.g. `{ '/body': { maxLength: 10000 } }`. */
  readonly refine?: Readonly<Record<string, JsonSchema>>;
  /** Record fields left out, by instance path, e.g. `['/meta']`. */
  readonly omit?: readonly string[];
  /**
   * Keywords every free-text string gets (not uuids, not enum symbols), such as a pattern refusing characters
   * the stores behind the events cannot keep. A refinement's own pattern replaces it (JSON Schema has one
   * pattern per schema, and generators handle allOf poorly), so it must refuse the same characters itself.
   */
  readonly text?: JsonSchema;
}

export class AvroConversionError extends Error {
  override name = 'AvroConversionError';
}

const INT32 = { minimum: -(2 ** 31), maximum: 2 ** 31 - 1 };
/**
 * Avro longs are 64-bit, but avsc, the registry client's encoder, takes JS numbers only within ±(2^53 − 2): one
 * less than Number.MAX_SAFE_INTEGER, whose zig-zag form would not be exact. Admitting more would let a request
 * pass validation and then fail to encode, every time (avro-to-json-schema.test.ts holds this to avsc).
 */
export const AVRO_LONG = { minimum: -(2 ** 53 - 2), maximum: 2 ** 53 - 2 };

export function avroToJsonSchema(schema: Schema, options: ConvertOptions = {}): JsonSchema {
  const converter = new Converter(options, collectDefinitions(schema, '(schema)'));
  const result = converter.convert(schema, '', undefined);
  const unused = Object.keys(options.refine ?? {}).filter((p) => !converter.refined.has(p));
  const unusedOmit = (options.omit ?? []).filter((p) => !converter.omitted.has(p));
  // A rule on a path that does not exist would silently validate nothing: most likely a renamed field.
  if (unused.length + unusedOmit.length > 0) {
    throw new AvroConversionError(`no field at ${[...unused, ...unusedOmit].join(', ')}`);
  }
  return result;
}

class Converter {
  readonly refined = new Set<string>();
  readonly omitted = new Set<string>();
  private readonly inProgress = new Set<string>();

  constructor(
    private readonly options: ConvertOptions,
    // Collected up front: a type may be defined inside a field that `omit` leaves out and used elsewhere.
    private readonly definitions: ReadonlyMap<string, Definition>,
  ) {}

  convert(schema: Schema, path: string, namespace: string | undefined): JsonSchema {
    return this.refine(path, this.convertBare(schema, path, namespace));
  }

  private convertBare(schema: Schema, path: string, namespace: string | undefined): JsonSchema {
    if (Array.isArray(schema)) return this.union(schema, path, namespace);
    if (typeof schema === 'string') {
      if (PRIMITIVE_TYPES.has(schema)) return this.primitive(schema, undefined, path);
      return this.reference(schema, path, namespace);
    }
    if (isNamed(schema)) return this.namedType(schema, definedName(schema, namespace), path);
    if (!isSchemaObject(schema)) throw new AvroConversionError(`${where(path)}: not an Avro schema`);
    if (schema.type === 'array') {
      return { type: 'array', items: this.convert(schema.items as Schema, `${path}/*`, namespace) };
    }
    if (schema.type === 'map') {
      return { type: 'object', additionalProperties: this.convert(schema.values as Schema, `${path}/*`, namespace) };
    }
    if (typeof schema.type === 'string' && PRIMITIVE_TYPES.has(schema.type)) {
      return this.primitive(schema.type, schema.logicalType as string | undefined, path);
    }
    return this.convertBare(schema.type, path, namespace);
  }

  private namedType(schema: NamedSchema, full: string, path: string): JsonSchema {
    if (isEnum(schema)) {
      return withDoc({ type: 'string', enum: [...schema.symbols] }, schema.doc);
    }
    if (!isRecord(schema)) throw new AvroConversionError(`${where(path)}: ${schema.type} has no JSON form`);
    if (this.inProgress.has(full)) {
      throw new AvroConversionError(`${where(path)}: ${full} is recursive, which this converter does not support`);
    }
    this.inProgress.add(full);
    const namespace = full.slice(0, full.lastIndexOf('.'));
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const field of schema.fields) {
      const fieldPath = `${path}/${field.name}`;
      if (this.options.omit?.includes(fieldPath)) {
        this.omitted.add(fieldPath);
        continue;
      }
      let property = this.convertBare(field.type, fieldPath, namespace);
      // The field's doc says what the value means here; the type's doc only what the type is in general.
      property = withDoc(property, field.doc ?? (property.description as string | undefined));
      if ('default' in field) property = { ...property, default: field.default };
      else required.push(field.name);
      properties[field.name] = this.refine(fieldPath, property);
    }
    this.inProgress.delete(full);
    return withDoc(
      { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false },
      schema.doc,
    );
  }

  private reference(name: string, path: string, namespace: string | undefined): JsonSchema {
    const full = fullName(name, namespace);
    const definition = this.definitions.get(full);
    if (!definition) throw new AvroConversionError(`${where(path)}: unknown type ${name}; inline the schema first`);
    return this.namedType(definition.schema, full, path);
  }

  private union(branches: readonly Schema[], path: string, namespace: string | undefined): JsonSchema {
    const nonNull = branches.filter((b) => b !== 'null');
    const nullable = nonNull.length < branches.length;
    const converted = nonNull.map((b) => this.convertBare(b, path, namespace));
    if (!nullable) return converted.length === 1 ? converted[0]! : { anyOf: converted };
    if (converted.length === 0) return { type: 'null' };
    const only = converted.length === 1 ? converted[0]! : undefined;
    // `type: [T, 'null']` makes a validator report "must be string", where anyOf would report every branch;
    // it holds for records too, as object keywords constrain objects only.
    if (only && typeof only.type === 'string') {
      const merged: JsonSchema = { ...only, type: [only.type, 'null'] };
      if (Array.isArray(only.enum)) merged.enum = [...only.enum, null];
      return merged;
    }
    return { anyOf: [...converted, { type: 'null' }] };
  }

  private primitive(type: string, logicalType: string | undefined, path: string): JsonSchema {
    const schema = primitive(type, logicalType, path);
    return schema.type === 'string' && !schema.format && this.options.text
      ? { ...schema, ...this.options.text }
      : schema;
  }

  private refine(path: string, schema: JsonSchema): JsonSchema {
    const extra = this.options.refine?.[path];
    if (!extra) return schema;
    this.refined.add(path);
    return { ...schema, ...extra };
  }
}

function primitive(type: string, logicalType: string | undefined, path: string): JsonSchema {
  switch (type) {
    case 'null':
      return { type: 'null' };
    case 'boolean':
      return { type: 'boolean' };
    case 'int':
      return { type: 'integer', ...INT32 };
    case 'long':
      return { type: 'integer', ...AVRO_LONG };
    case 'float':
    case 'double':
      return { type: 'number' };
    case 'string':
      return logicalType === 'uuid' ? { type: 'string', format: 'uuid' } : { type: 'string' };
    default:
      throw new AvroConversionError(`${where(path)}: ${type} has no JSON form`);
  }
}

function withDoc(schema: JsonSchema, doc: string | undefined): JsonSchema {
  return doc === undefined ? schema : { ...schema, description: doc };
}

const where = (path: string) => path || '(root)';
