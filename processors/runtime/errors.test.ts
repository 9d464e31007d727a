import assert from 'node:assert/strict';
import { test } from 'node:test';
import { briefError, UnavailableError, type Outage } from './errors.js';

test('a brief error keeps kind, message, code and causes, and none of the objects the error holds', () => {
  const request = { body: 'x'.repeat(5_000_000) };
  const clientError = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9200'), {
    name: 'ConnectionError',
    code: 'ECONNREFUSED',
    meta: { meta: { request: { params: request } } },
  });
  const dependency: Outage = { name: 'elasticsearch', waitUntilAvailable: async () => false };
  const error = new UnavailableError(dependency, 'elasticsearch is unavailable', { cause: clientError });

  const summary = briefError(error);
  assert.equal(summary.type, 'UnavailableError');
  assert.equal(summary.message, 'elasticsearch is unavailable');
  assert.match(String(summary.stack), /UnavailableError: elasticsearch is unavailable/);
  assert.deepEqual(summary.cause, {
    type: 'ConnectionError',
    message: 'connect ECONNREFUSED 127.0.0.1:9200',
    code: 'ECONNREFUSED',
  });
  assert.ok(JSON.stringify(summary).length < 5000, 'the 5 MB request body is not in it');
});

test('a long message is cut, and a thrown non-error is kept as text', () => {
  assert.equal(String(briefError(new Error('y'.repeat(10_000))).message).length, 2001);
  assert.deepEqual(briefError('plain'), { message: 'plain' });
});
