import assert from 'node:assert/strict';
import { test } from 'node:test';
import avro from 'avsc';
import type { Schema } from '../../schemas/avro-json.js';
import { eventCatalog } from '../../schemas/index.js';
import { AVRO_LONG, AvroConversionError, avroToJsonSchema } from './avro-to-json-schema.js';

const record = (fields: unknown[], extra: object = {}): Schema =>
  ({ type: 'record', name: 'R', namespace: 'io.test', fields, ...extra }) as Schema;

test('primitives map to JSON types, with Avro int and long ranges', () => {
  const schema = avroToJsonSchema(
    record([
      { name: 'b', type: 'boolean' },
      { name: 'i', type: 'int' },
      { name: 'l', type: 'long' },
      { name: 'd', type: 'double' },
      { name: 's', type: 'string' },
      { name: 'u', type: { type: 'string', logicalType: 'uuid' } },
      { name: 't', type: { type: 'long', logicalType: 'timestamp-millis' } },
    ]),
  );
  const p = schema.properties as Record<string, object>;
  assert.deepEqual(p.b, { type: 'boolean' });
  assert.deepEqual(p.i, { type: 'integer', minimum: -2147483648, maximum: 2147483647 });
  assert.deepEqual(p.l, { type: 'integer', ...AVRO_LONG });
  assert.deepEqual(p.d, { type: 'number' });
  assert.deepEqual(p.s, { type: 'string' });
  assert.deepEqual(p.u, { type: 'string', format: 'uuid' });
  assert.deepEqual(p.t, p.l);
});

test('a record: fields without a default are required, unknown properties refused, docs kept', () => {
  const schema = avroToJsonSchema(
    record(
      [
        { name: 'a', type: 'string', doc: 'the a' },
        { name: 'b', type: ['null', 'string'], default: null },
        { name: 'c', type: { type: 'array', items: 'string' }, default: [] },
      ],
      { doc: 'a record' },
    ),
  );
  assert.deepEqual(schema, {
    type: 'object',
    description: 'a record',
    properties: {
      a: { type: 'string', description: 'the a' },
      b: { type: ['string', 'null'], default: null },
      c: { type: 'array', items: { type: 'string' }, default: [] },
    },
    required: ['a'],
    additionalProperties: false,
  });
});

test('nullable unions add null to the type (and enum); unions of several types become anyOf', () => {
  const schema = avroToJsonSchema(
    record([
      { name: 'e', type: ['null', { type: 'enum', name: 'E', symbols: ['X', 'Y'] }] },
      { name: 'r', type: ['null', { type: 'record', name: 'Inner', fields: [{ name: 'v', type: 'int' }] }] },
      { name: 'm', type: ['string', 'int'] },
    ]),
  );
  const p = schema.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(p.e, { type: ['string', 'null'], enum: ['X', 'Y', null] });
  assert.deepEqual(p.r!.type, ['object', 'null']);
  assert.deepEqual(p.r!.required, ['v']);
  assert.deepEqual(p.m, {
    anyOf: [{ type: 'string' }, { type: 'integer', minimum: -2147483648, maximum: 2147483647 }],
  });
});

test('maps become objects of their values; a named type used twice is converted at both places', () => {
  const schema = avroToJsonSchema(
    record([
      { name: 'first', type: { type: 'record', name: 'Point', fields: [{ name: 'x', type: 'int' }] } },
      { name: 'second', type: 'Point' },
      { name: 'byName', type: { type: 'map', values: 'io.test.Point' } },
    ]),
  );
  const p = schema.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(p.second, p.first);
  assert.deepEqual(p.byName, { type: 'object', additionalProperties: p.first });
});

test('refine adds keywords by instance path, * standing for any array item; omit leaves fields out', () => {
  const schema = avroToJsonSchema(
    record([
      { name: 'meta', type: { type: 'record', name: 'M', fields: [{ name: 'id', type: 'string' }] } },
      { name: 'tags', type: { type: 'array', items: 'string' } },
      { name: 'again', type: 'M' },
    ]),
    {
      omit: ['/meta'],
      refine: { '/tags': { maxItems: 3 }, '/tags/*': { maxLength: 10 }, '/again/id': { minLength: 1 } },
    },
  );
  const p = schema.properties as Record<string, Record<string, unknown>>;
  assert.equal(p.meta, undefined);
  assert.deepEqual(schema.required, ['tags', 'again']);
  assert.deepEqual(p.tags, { type: 'array', items: { type: 'string', maxLength: 10 }, maxItems: 3 });
  // M is defined inside the omitted field and still resolves where it is used.
  assert.deepEqual((p.again!.properties as Record<string, unknown>).id, { type: 'string', minLength: 1 });
});

test('refusals name the path: rules on missing fields, bytes, recursion, unknown names', () => {
  const cases: Array<[Schema, object, RegExp]> = [
    [record([{ name: 'a', type: 'string' }]), { refine: { '/b': { maxLength: 1 } } }, /no field at \/b/],
    [record([{ name: 'a', type: 'string' }]), { omit: ['/zz'] }, /no field at \/zz/],
    [record([{ name: 'raw', type: 'bytes' }]), {}, /\/raw: bytes has no JSON form/],
    [record([{ name: 'next', type: ['null', 'R'] }]), {}, /\/next: io\.test\.R is recursive/],
    [record([{ name: 'x', type: 'Nowhere' }]), {}, /\/x: unknown type Nowhere/],
  ];
  for (const [schema, options, message] of cases) {
    assert.throws(
      () => avroToJsonSchema(schema, options),
      (error: unknown) => error instanceof AvroConversionError && message.test(error.message),
      String(message),
    );
  }
});

test('InteractionReceived without meta: what a client sends, with the Avro defaults as JSON defaults', () => {
  const schema = avroToJsonSchema(eventCatalog().get('InteractionReceived').schema, { omit: ['/meta'] });
  const p = schema.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(schema.required, ['channel', 'customer', 'body']);
  assert.deepEqual(Object.keys(p), [
    'channel',
    'customer',
    'externalMessageId',
    'subject',
    'body',
    'localeHint',
    'attachments',
  ]);
  assert.ok((p.channel!.enum as string[]).includes('EMAIL'));
  assert.deepEqual(p.subject!.type, ['string', 'null']);
  assert.equal(p.subject!.default, null);
  assert.deepEqual(p.attachments!.default, []);
  assert.deepEqual(p.customer!.required as string[], ['customerId']);
});

test('long bounds are exactly what avsc, the encoder, takes: nothing the JSON Schema admits fails to encode', () => {
  const long = avro.Type.forSchema('long');
  assert.ok(long.isValid(AVRO_LONG.maximum) && long.isValid(AVRO_LONG.minimum));
  assert.ok(!long.isValid(AVRO_LONG.maximum + 1) && !long.isValid(AVRO_LONG.minimum - 1));
  assert.doesNotThrow(() => long.toBuffer(AVRO_LONG.maximum));
  assert.throws(() => long.toBuffer(AVRO_LONG.maximum + 1));
});

test("the text rule goes to every free-text string, not uuids or enums; a refinement's pattern replaces it", () => {
  const text = { pattern: '^[^x]*$' };
  const schema = avroToJsonSchema(
    record([
      { name: 's', type: 'string' },
      { name: 'n', type: ['null', 'string'] },
      { name: 'u', type: { type: 'string', logicalType: 'uuid' } },
      { name: 'e', type: { type: 'enum', name: 'E', symbols: ['A'] } },
      { name: 'r', type: 'string' },
    ]),
    { text, refine: { '/r': { pattern: '^[a-z]+$' } } },
  );
  const p = schema.properties as Record<string, Record<string, unknown>>;
  assert.deepEqual(p.s, { type: 'string', pattern: '^[^x]*$' });
  assert.deepEqual(p.n, { type: ['string', 'null'], pattern: '^[^x]*$' });
  assert.deepEqual(p.u, { type: 'string', format: 'uuid' });
  assert.deepEqual(p.e, { type: 'string', enum: ['A'] });
  assert.deepEqual(p.r, { type: 'string', pattern: '^[a-z]+$' });
});
