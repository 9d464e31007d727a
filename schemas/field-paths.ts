/**
 * Registries report where a schema breaks compatibility as JSON pointers into the schema
 * (`/fields/5/type/1`); people think in field names (`replyText`). This names the fields such a pointer
 * passes through.
 */

/** `a.b` for the pointer's fields, or undefined when it leads nowhere in the schema. */
export function fieldPathAt(schema: unknown, pointer: string): string | undefined {
  const names: string[] = [];
  let node: unknown = schema;
  const segments = pointer.split('/').slice(1);
  for (const [i, segment] of segments.entries()) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[segment.replaceAll('~1', '/').replaceAll('~0', '~')];
    if (segments[i - 1] === 'fields' && node && typeof node === 'object' && 'name' in node) {
      names.push(String(node.name));
    }
  }
  return node === undefined || names.length === 0 ? undefined : names.join('.');
}

/** The message with the field path added after every pointer into `schema` it mentions. */
export function nameFieldsInMessage(message: string, schema: unknown): string {
  return message.replace(/\/fields\/[^\s,\]]*/g, (pointer) => {
    const path = fieldPathAt(schema, pointer);
    return path ? `${pointer} (field ${path})` : pointer;
  });
}
