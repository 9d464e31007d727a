/**
 * The contracts against the stack's schema registry: every event schema registers under its topic subject,
 * evolves the way BACKWARD allows, and is refused, with a reason a person can act on, when it does not.
 * Needs a running stack.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { loadConfig } from '../config/index.js';
import type { RecordSchema } from './avro-json.js';
import { loadEventCatalog } from './catalog.js';
import { sampleEvents } from './fixtures.js';
import { registerEventSchemas, registerSchema, SchemaRegistrationError, valueSubject } from './register.js';

const url = loadConfig().schemaRegistry.url;
const catalog = loadEventCatalog();
const run = randomUUID().slice(0, 8);
const topicOf = (name: string) => `it.schemas.${run}.${name}`;
const client = () => new SchemaRegistry({ host: url, clientId: 'ticketflow-schemas-it', retry: { retries: 0 } });
const registry = client();
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
const subjects = new Set<string>();

after(async () => {
  // Confluent semantics: a soft delete first, then the permanent one; leftovers would only clutter listings.
  for (const subject of subjects) {
    for (const query of ['', '?permanent=true']) {
      await fetch(`${url}/subjects/${encodeURIComponent(subject)}${query}`, { method: 'DELETE' }).catch(
        () => undefined,
      );
    }
  }
});

async function compatibilityOf(subject: string): Promise<string> {
  const response = await fetch(`${url}/config/${encodeURIComponent(subject)}`);
  assert.equal(response.status, 200, `GET /config/${subject}`);
  return ((await response.json()) as { compatibilityLevel: string }).compatibilityLevel;
}

test('registers every event under its topic subject, pinned to BACKWARD, and again as a no-op', async () => {
  const bindings = catalog.names.map((eventName) => ({ topic: topicOf(eventName), eventName }));
  bindings.forEach(({ topic }) => subjects.add(valueSubject(topic)));

  const registered = await registerEventSchemas(bindings, catalog, { url, registry });
  assert.deepEqual(
    registered.map(({ subject, eventName }) => [subject, eventName]),
    bindings.map(({ topic, eventName }) => [`${topic}-value`, eventName]),
  );
  // Producers register on every start: an unchanged schema must keep its id and add no version.
  const again = await registerEventSchemas(bindings, catalog, { url, registry: client() });
  assert.deepEqual(
    again.map((r) => r.id),
    registered.map((r) => r.id),
  );

  for (const { subject, eventName, id } of registered) {
    assert.equal(await compatibilityOf(subject), 'BACKWARD', subject);
    assert.equal(await registry.getLatestSchemaId(subject), id, subject);
    // The stored schema is self-contained: a client with an empty cache decodes from it alone.
    const bytes = await registry.encode(id, sampleEvents[eventName]);
    assert.deepEqual(plain(await client().decode(bytes)), plain(sampleEvents[eventName]), eventName);
  }
});

const v1 = catalog.get('TicketCommand').schema;
const v2: RecordSchema = {
  ...v1,
  fields: [...v1.fields, { name: 'channelHint', type: ['null', 'string'], default: null, doc: 'Added in version 2.' }],
};
const evolving = valueSubject(topicOf('evolving'));
subjects.add(evolving);
let v1Id: number;
let v2Id: number;

test('accepts a new optional field with a default; old and new consumers read each other', async () => {
  v1Id = await registerSchema(evolving, v1, { url, registry });
  v2Id = await registerSchema(evolving, v2, { url, registry });
  assert.notEqual(v2Id, v1Id);
  assert.equal(await registry.getLatestSchemaId(evolving), v2Id);

  const newRecord = { ...sampleEvents.TicketCommand, channelHint: 'sms' };
  const newBytes = await registry.encode(v2Id, newRecord);
  assert.equal(newBytes.readUInt32BE(1), v2Id, 'written with the new schema id');
  // A consumer built on the old schema, with a cold cache, fetches the writer schema by id and resolves.
  const oldConsumerView = await client().decode(newBytes, { [SchemaType.AVRO]: { readerSchema: v1 } });
  assert.deepEqual(plain(oldConsumerView), plain(sampleEvents.TicketCommand));

  const oldBytes = await registry.encode(v1Id, sampleEvents.TicketCommand);
  const newConsumerView = await client().decode(oldBytes, { [SchemaType.AVRO]: { readerSchema: v2 } });
  assert.deepEqual(plain(newConsumerView), { ...(plain(sampleEvents.TicketCommand) as object), channelHint: null });
});

test('refuses incompatible changes with a reason naming the subject and what is wrong', async () => {
  const latest = await registry.getLatestSchemaId(evolving);
  const refused =
    (...patterns: RegExp[]) =>
    (error: unknown) => {
      assert.ok(error instanceof SchemaRegistrationError, String(error));
      assert.equal(error.subject, evolving);
      assert.equal(error.status, 409);
      assert.ok(error.message.includes(`subject ${evolving}`), error.message);
      for (const pattern of patterns) assert.match(error.message, pattern);
      return true;
    };

  const requiredWithoutDefault: RecordSchema = {
    ...v2,
    fields: [...v2.fields, { name: 'team', type: 'string', doc: 'Required, with no default for old records.' }],
  };
  await assert.rejects(registerSchema(evolving, requiredWithoutDefault, { url, registry }), refused(/team/));

  const changedType: RecordSchema = {
    ...v2,
    fields: v2.fields.map((field) => (field.name === 'replyText' ? { ...field, type: ['null', 'long'] } : field)),
  };
  await assert.rejects(
    registerSchema(evolving, changedType, { url, registry }),
    refused(/\/fields\/5\/type\/1 \(field replyText\)/),
  );

  assert.equal(await registry.getLatestSchemaId(evolving), latest, 'a refused schema must not become the latest');
});
