/**
 * Proves that @kafkajs/confluent-schema-registry works unchanged against the stack's registry (Apicurio
 * Registry through its Confluent-compatible API): registration under TopicNameStrategy, the Confluent wire
 * format, latest-id lookup, and BACKWARD compatibility accepting and refusing evolutions. Needs a running stack.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { loadConfig } from '../../../config/index.js';

const url = loadConfig().schemaRegistry.url;
const topic = `smoke.schema-registry.${randomUUID().slice(0, 8)}`;
const subject = `${topic}-value`;

const v1 = {
  type: 'record' as const,
  name: 'SmokeTicket',
  namespace: 'ticketflow.smoke',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'priority', type: 'int' },
  ],
};
const v2 = {
  ...v1,
  fields: [...v1.fields, { name: 'channel', type: ['null', 'string'], default: null }],
};
const record = { id: 'T-1', priority: 3 };

const client = () => new SchemaRegistry({ host: url, clientId: 'ticketflow-smoke', retry: { retries: 0 } });
const registry = client();
const register = (schema: object) =>
  registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });

after(async () => {
  // Confluent semantics: a soft delete first, then the permanent one; leftovers would only clutter listings.
  for (const query of ['', '?permanent=true']) {
    await fetch(`${url}/subjects/${encodeURIComponent(subject)}${query}`, { method: 'DELETE' }).catch(() => undefined);
  }
});

let v1Id: number;
let v1Bytes: Buffer;

test('registers under the topic subject and round-trips the Confluent wire format', async () => {
  v1Id = (await register(v1)).id;
  assert.ok(Number.isInteger(v1Id) && v1Id > 0, `schema id ${v1Id}`);
  // Every producer registers on start-up: the same schema again must keep its id, not fail or add a version.
  assert.equal((await register(v1)).id, v1Id);
  assert.equal(await registry.getLatestSchemaId(subject), v1Id);

  v1Bytes = await registry.encode(v1Id, record);
  assert.equal(v1Bytes[0], 0, 'magic byte');
  assert.equal(v1Bytes.readUInt32BE(1), v1Id, 'schema id after the magic byte');
  assert.deepEqual({ ...(await registry.decode(v1Bytes)) }, record);

  // A client with an empty cache has to fetch the writer schema by id from the registry.
  assert.deepEqual({ ...(await client().decode(v1Bytes)) }, record);
});

test('BACKWARD accepts a new optional field with a default; new readers read old records', async () => {
  const v2Id = (await register(v2)).id;
  assert.notEqual(v2Id, v1Id);
  assert.equal(await registry.getLatestSchemaId(subject), v2Id);

  const upgraded = await client().decode(v1Bytes, { [SchemaType.AVRO]: { readerSchema: v2 } });
  assert.deepEqual({ ...upgraded }, { ...record, channel: null });

  const v2Bytes = await registry.encode(v2Id, { ...record, channel: 'email' });
  assert.equal(v2Bytes.readUInt32BE(1), v2Id);
  assert.deepEqual({ ...(await client().decode(v2Bytes)) }, { ...record, channel: 'email' });
});

test('BACKWARD refuses incompatible changes with a readable reason', async () => {
  const latest = await registry.getLatestSchemaId(subject);

  const requiredWithoutDefault = { ...v2, fields: [...v2.fields, { name: 'team', type: 'string' }] };
  await assert.rejects(register(requiredWithoutDefault), (error: Error & { status?: number }) => {
    assert.equal(error.status, 409);
    assert.match(error.message, /Incompatible artifact/);
    assert.match(error.message, new RegExp(subject.replaceAll('.', '\\.')));
    // The offending field is named, so whoever changed the schema can see what to fix.
    assert.match(error.message, /team/);
    return true;
  });

  const changedType = { ...v2, fields: [{ name: 'id', type: 'long' }, ...v2.fields.slice(1)] };
  await assert.rejects(register(changedType), (error: Error & { status?: number }) => {
    assert.equal(error.status, 409);
    assert.match(error.message, /Incompatible artifact/);
    assert.match(error.message, /LONG not compatible with writer type: STRING/);
    return true;
  });

  assert.equal(await registry.getLatestSchemaId(subject), latest, 'refused schemas must not become the latest');
});
