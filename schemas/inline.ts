/**
 * Turns a schema that refers to shared named types (schemas/avro/common) into a self-contained one, with each
 * type defined in full where it is first used and referred to by name afterwards, as Avro requires. The
 * registry then gets one schema per subject with no references to other subjects, so any Avro client can
 * read it and subjects evolve independently.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  definedName,
  fullName,
  isNamed,
  isRecord,
  PRIMITIVE_TYPES,
  splitName,
  type Definition,
  type FieldSchema,
  type NamedSchema,
  type Schema,
} from './avro-json.js';

export function inlineSchema<T extends NamedSchema>(root: T, shared: ReadonlyMap<string, Definition>): T {
  // Source definitions already written, by full name: the first use defines a type, later ones name it.
  const written = new Map<string, NamedSchema>();

  // `namespace` resolves names of the source; `outNamespace` is what a short name means where the output
  // places it. They differ when a shared type from another namespace is written inside this one.
  const visit = (schema: Schema, namespace: string | undefined, outNamespace: string | undefined): Schema => {
    if (typeof schema === 'string') {
      if (PRIMITIVE_TYPES.has(schema)) return schema;
      const full = fullName(schema, namespace);
      if (written.has(full)) return reference(full, outNamespace);
      const definition = shared.get(full);
      if (!definition) throw new Error(`unknown type ${schema} (resolved as ${full}) in ${root.name}`);
      return define(definition.schema, definition.namespace, outNamespace);
    }
    if (Array.isArray(schema)) return schema.map((branch) => visit(branch, namespace, outNamespace));
    if (isNamed(schema)) return define(schema, namespace, outNamespace);
    if (schema.type === 'array') return { ...schema, items: visit(schema.items as Schema, namespace, outNamespace) };
    if (schema.type === 'map') return { ...schema, values: visit(schema.values as Schema, namespace, outNamespace) };
    return { ...schema, type: visit(schema.type, namespace, outNamespace) };
  };

  const define = (schema: NamedSchema, namespace: string | undefined, outNamespace: string | undefined): Schema => {
    const full = definedName(schema, namespace);
    const earlier = written.get(full);
    if (earlier) {
      if (!isDeepStrictEqual(earlier, schema)) throw new Error(`conflicting definitions of ${full} in ${root.name}`);
      return reference(full, outNamespace);
    }
    written.set(full, schema);
    const own = splitName(full);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'namespace') continue;
      if (key === 'name') {
        out.name = own.name;
        if (own.namespace !== outNamespace) out.namespace = own.namespace;
      } else if (key === 'fields' && isRecord(schema)) {
        out.fields = schema.fields.map((field): FieldSchema => ({
          ...field,
          type: visit(field.type, own.namespace, own.namespace),
        }));
      } else {
        out[key] = value;
      }
    }
    return out as unknown as NamedSchema;
  };

  const reference = (full: string, outNamespace: string | undefined): string => {
    const { namespace, name } = splitName(full);
    return namespace === outNamespace ? name : full;
  };

  return define(root, undefined, undefined) as T;
}
