import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import avro from 'avsc';
import { isEnum, isNamed, isRecord, isSchemaObject, type NamedSchema, type Schema } from './avro-json.js';
import { loadEventCatalog } from './catalog.js';
import { sampleEvents } from './fixtures.js';
import { EVENT_NAMES, type EventName } from './generated/events.js';
import { AVRO_DIR } from './sources.js';

const catalog = loadEventCatalog();
const NAMESPACE = 'io.ticketflow.events';
/** Decoded records are instances of avsc's record classes; tests compare their data only. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** Every named type a schema defines, nested ones included, with its place in the schema. */
interface Found {
  readonly where: string;
  readonly schema: NamedSchema;
}

function namedTypes(schema: Schema, where: string, out: Found[] = []): Found[] {
  if (Array.isArray(schema)) schema.forEach((branch) => namedTypes(branch, where, out));
  else if (isNamed(schema)) {
    out.push({ where, schema });
    if (isRecord(schema)) for (const f of schema.fields) namedTypes(f.type, `${schema.name}.${f.name}`, out);
  } else if (isSchemaObject(schema)) {
    if (schema.type === 'array') namedTypes(schema.items as Schema, where, out);
    if (schema.type === 'map') namedTypes(schema.values as Schema, where, out);
  }
  return out;
}

const everyNamedType = [...catalog].flatMap((entry) => namedTypes(entry.schema, entry.name));

test('the catalog holds one parsed event type per top-level .avsc, the same set the generated types know', () => {
  assert.deepEqual(catalog.names, [...EVENT_NAMES]);
  for (const entry of catalog) {
    assert.equal(entry.fullName, `${NAMESPACE}.${entry.name}`);
    assert.equal(entry.type.typeName, 'record');
  }
});

test('each registered schema is self-contained: avsc parses its JSON text with no other types known', () => {
  for (const entry of catalog) {
    const text = JSON.stringify(entry.schema);
    const type = avro.Type.forSchema(JSON.parse(text));
    assert.equal(type.name, entry.fullName);
    // Inlining defines each shared type once; later uses refer to it by name.
    assert.equal(text.match(/"name":"EventMeta"/g)?.length, 1, entry.name);
    assert.ok(Object.isFrozen(entry.schema.fields[0]), 'catalog schemas are shared, hence frozen');
  }
});

test('every event starts with the shared envelope, field meta of type EventMeta', () => {
  const envelope = JSON.parse(readFileSync(path.join(AVRO_DIR, 'common', 'EventMeta.avsc'), 'utf8'));
  for (const entry of catalog) {
    const [first] = entry.schema.fields;
    assert.equal(first?.name, 'meta', entry.name);
    // Inlined where the event's namespace already applies, so the copy drops its redundant namespace.
    assert.deepEqual(first.type, stripNamespace(envelope), entry.name);
  }
});

function stripNamespace(schema: Record<string, unknown>): Record<string, unknown> {
  const { namespace: _namespace, ...rest } = schema;
  return rest;
}

test('every record, enum and field is documented', () => {
  const missing: string[] = [];
  for (const { where, schema } of everyNamedType) {
    if (!schema.doc?.trim()) missing.push(`${where}: ${schema.name}`);
    if (isRecord(schema)) {
      for (const field of schema.fields) if (!field.doc?.trim()) missing.push(`${schema.name}.${field.name}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('every named type lives in io.ticketflow.events', () => {
  for (const entry of catalog) {
    for (const { schema } of namedTypes(entry.type.schema({ exportAttrs: true }) as Schema, entry.name)) {
      assert.ok(schema.name.startsWith(`${NAMESPACE}.`), `${schema.name} in ${entry.name}`);
    }
  }
});

test('every enum names a default symbol, so readers survive symbols added later', () => {
  for (const { schema } of everyNamedType.filter(({ schema }) => isEnum(schema))) {
    assert.ok(isEnum(schema) && schema.default && schema.symbols.includes(schema.default), schema.name);
  }
});

test('optional fields are ["null", T] with default null; arrays default to empty', () => {
  for (const { schema } of everyNamedType) {
    if (!isRecord(schema)) continue;
    for (const field of schema.fields) {
      const where: string = `${schema.name}.${field.name}`;
      if (Array.isArray(field.type)) {
        assert.equal(field.type.length, 2, where);
        assert.equal(field.type[0], 'null', where);
        assert.equal(field.default, null, where);
      }
      if (isSchemaObject(field.type) && field.type.type === 'array') assert.deepEqual(field.default, [], where);
    }
  }
});

test('a valid sample of every event encodes and decodes to the same value', () => {
  for (const name of catalog.names) {
    const sample = sampleEvents[name];
    const decoded = catalog.decode(name, catalog.encode(name, sample));
    assert.deepEqual(plain(decoded), plain(sample), name);
  }
});

test('timestamps decode as numbers of epoch milliseconds, the same as the registry client decodes them', () => {
  const name: EventName = 'RoutingDecided';
  const sample = sampleEvents[name];
  const decoded = catalog.decode(name, catalog.encode(name, sample));
  assert.equal(typeof decoded.meta.occurredAt, 'number');
  assert.equal(decoded.meta.occurredAt, sample.meta.occurredAt);
  assert.equal(decoded.routing.firstResponseDueAt, sample.routing.firstResponseDueAt);
  // The registry client parses with plain forSchema too; both must agree on the bytes and on the values.
  const clientType = avro.Type.forSchema(catalog.get(name).schema as Parameters<typeof avro.Type.forSchema>[0]);
  assert.deepEqual(plain(clientType.fromBuffer(catalog.encode(name, sample))), plain(sample));
});

test('encoding an invalid event names what is wrong', () => {
  const broken = {
    ...sampleEvents.InteractionClassified,
    classification: { ...sampleEvents.InteractionClassified.classification, priority: 'P9' },
  };
  assert.throws(
    () => catalog.encode('InteractionClassified', broken as never),
    /not a valid InteractionClassified: invalid at classification\.priority/,
  );
  assert.throws(() => catalog.get('NoSuchEvent' as EventName), /unknown event type NoSuchEvent/);
});

test('downstream interaction events carry forward what earlier stages decided', () => {
  const carried = ['interaction', 'enrichment', 'classification'];
  for (const name of ['InteractionGrounded', 'ResponseDrafted', 'RoutingDecided'] as const) {
    const fields = catalog.get(name).schema.fields.map((field) => field.name);
    for (const field of carried) assert.ok(fields.includes(field), `${name} carries ${field}`);
  }
  const routed = catalog.get('RoutingDecided').schema.fields.map((field) => field.name);
  assert.ok(routed.includes('draft'), 'RoutingDecided carries the draft');
});
