/**
 * What BACKWARD compatibility buys, shown on the real event schemas with avsc's schema resolution (the same
 * resolution the registry client applies when a reader schema is given): consumers upgraded to a new schema
 * read what the old one wrote, and enum defaults keep old readers alive when symbols are added.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import avro from 'avsc';
import type { EnumSchema, RecordSchema, Schema } from './avro-json.js';
import { loadEventCatalog } from './catalog.js';
import { sampleEvents } from './fixtures.js';

const catalog = loadEventCatalog();
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
const parse = (schema: RecordSchema) => avro.Type.forSchema(schema as Parameters<typeof avro.Type.forSchema>[0]);

/** The schema with a field appended, as the next version of an event would add it. */
function withField(schema: RecordSchema, field: RecordSchema['fields'][number]): RecordSchema {
  return { ...schema, fields: [...schema.fields, field] };
}

const channelHint = {
  name: 'channelHint',
  type: ['null', 'string'],
  default: null,
  doc: 'Added in a later version.',
};

test('a reader with an added optional field reads records written with the old schema, taking the default', () => {
  const writer = catalog.get('TicketCommand');
  const reader = parse(withField(writer.schema, channelHint));
  const bytes = writer.type.toBuffer(sampleEvents.TicketCommand);
  const read = reader.fromBuffer(bytes, reader.createResolver(writer.type));
  assert.deepEqual(plain(read), { ...(plain(sampleEvents.TicketCommand) as object), channelHint: null });
});

test('an old reader reads records written with the new schema, skipping the field it does not know', () => {
  const reader = catalog.get('RoutingDecided');
  const writer = parse(withField(reader.schema, channelHint));
  const bytes = writer.toBuffer({ ...sampleEvents.RoutingDecided, channelHint: 'sms' });
  const read = reader.type.fromBuffer(bytes, reader.type.createResolver(writer));
  assert.deepEqual(plain(read), plain(sampleEvents.RoutingDecided));
});

test('a field added without a default cannot be resolved against old records', () => {
  const writer = catalog.get('TicketCommand');
  const reader = parse(withField(writer.schema, { name: 'team', type: 'string', doc: 'No default.' }));
  assert.throws(() => reader.createResolver(writer.type), /team/);
});

test('an enum symbol added by a newer writer reads as the enum default on an older reader', () => {
  const reader = catalog.get('InteractionReceived');
  const evolved = structuredClone(reader.schema) as RecordSchema;
  const channel = evolved.fields.find((field) => field.name === 'channel')!.type as Schema as EnumSchema;
  (channel.symbols as string[]).push('WHATSAPP');
  const writer = parse(evolved);
  const bytes = writer.toBuffer({ ...sampleEvents.InteractionReceived, channel: 'WHATSAPP' });
  const read = reader.type.fromBuffer(bytes, reader.type.createResolver(writer));
  assert.equal(read.channel, 'UNKNOWN');
});
