import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { freePort } from '../../ops/net.js';
import { isUnavailable } from './codec.js';

test('a registry that cannot be reached is unavailable, not a refusal, whatever shape the client gives it', async () => {
  // Nothing listens on a port just found free: the client's own error for a refused connection.
  const registry = new SchemaRegistry({ host: `http://127.0.0.1:${await freePort()}` });
  const refused = await registry.getSchema(8).catch((error: unknown) => error);
  assert.ok(isUnavailable(refused), String(refused));
  assert.ok(isUnavailable(Object.assign(new Error('connect'), { code: 'ECONNRESET' })));
  assert.ok(isUnavailable({ status: 503, message: 'Service Unavailable' }));
});

test('an answer that the schema does not exist, or a bad request, is no outage', () => {
  assert.ok(!isUnavailable({ status: 404, message: 'Schema 99 not found' }));
  assert.ok(!isUnavailable({ status: 400, message: 'Confluent_Schema_Registry - Error, status 400: bad id' }));
});
