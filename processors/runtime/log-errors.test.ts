import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnavailableError, type Outage } from './errors.js';
import { loggedError, type LoggedError } from './log-errors.js';

test('a client error is logged by its class, message and status, without the payloads it carries', () => {
  const error = Object.assign(new Error('Request timed out'), {
    name: 'TimeoutError',
    meta: { statusCode: 504, body: 'x'.repeat(5_000_000), meta: { request: { params: { body: 'y'.repeat(1000) } } } },
  });
  const logged = loggedError(error);
  assert.equal(typeof logged, 'object');
  assert.deepEqual(Object.keys(logged).sort(), ['message', 'stack', 'statusCode', 'type']);
  assert.ok(JSON.stringify(logged).length < 5000);
  assert.deepEqual(
    { ...(logged as object), stack: undefined },
    {
      type: 'TimeoutError',
      message: 'Request timed out',
      statusCode: 504,
      stack: undefined,
    },
  );
});

test('codes and causes are kept, a cycle of causes is cut, and non-errors become bounded strings', () => {
  const root = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9200'), { code: 'ECONNREFUSED' });
  const wrapped = new Error('search failed', { cause: root });
  const logged = loggedError(wrapped) as { cause: { code: string; message: string } };
  assert.equal(logged.cause.code, 'ECONNREFUSED');

  const a: Error & { cause?: unknown } = new Error('a');
  a.cause = a;
  let depth = 0;
  for (let e: unknown = loggedError(a); typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause)
    depth++;
  assert.equal(depth, 4);
  assert.equal((loggedError('z'.repeat(10_000)) as string).length, 2000);
});

test('an outage is logged with its dependency named in the message, and its cause without the request it held', () => {
  const clientError = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9200'), {
    name: 'ConnectionError',
    code: 'ECONNREFUSED',
    meta: { meta: { request: { params: { body: 'x'.repeat(5_000_000) } } } },
  });
  const dependency: Outage = { name: 'elasticsearch', waitUntilAvailable: async () => false };
  const error = new UnavailableError(dependency, 'elasticsearch is unavailable', { cause: clientError });
  const logged = loggedError(error) as LoggedError;
  assert.equal(logged.type, 'UnavailableError');
  assert.match(String(logged.stack), /UnavailableError: elasticsearch is unavailable/);
  assert.deepEqual(logged.cause, {
    type: 'ConnectionError',
    message: 'connect ECONNREFUSED 127.0.0.1:9200',
    code: 'ECONNREFUSED',
  });
  assert.ok(JSON.stringify(logged).length < 5000);
});
