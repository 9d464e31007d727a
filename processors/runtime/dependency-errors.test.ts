import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { classifyDependencyError } from './dependency-errors.js';
import { Dependency } from './dependency.js';

const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code, severity: 'ERROR' });

test('a server that is away, refusing, timing out or shutting down is unavailable', () => {
  for (const error of [
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
    pgError('57P01'),
    pgError('08006'),
    pgError('53300'),
    Object.assign(new Error('x'), { name: 'ConnectionError' }),
    Object.assign(new Error('x'), { name: 'ResponseError', meta: { statusCode: 503 } }),
    Object.assign(new Error('x'), { name: 'ResponseError', meta: { statusCode: 429 } }),
    Object.assign(new Error('x'), { name: 'MongoServerSelectionError' }),
    Object.assign(new Error('x'), { name: 'MongoServerError', code: 91 }),
    Object.assign(new Error('LOADING Redis is loading the dataset in memory'), { name: 'ReplyError' }),
    new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }),
  ]) {
    assert.equal(classifyDependencyError(error), 'unavailable', String(error));
  }
});

test('an answer about the request itself is permanent: the same input meets it again', () => {
  for (const error of [
    pgError('22021'), // invalid byte sequence: a NUL in a text value
    pgError('23505'),
    pgError('42P01'),
    Object.assign(new Error('x'), { name: 'ResponseError', meta: { statusCode: 400 } }),
    Object.assign(new Error('x'), { name: 'MongoServerError', code: 2 }),
    Object.assign(new Error('WRONGTYPE Operation against a key'), { name: 'ReplyError' }),
  ]) {
    assert.equal(classifyDependencyError(error), 'permanent', String(error));
  }
});

test('anything else, a serialization failure included, is left to retries', () => {
  for (const error of [new Error('boom'), pgError('40001'), 'a string', null, undefined]) {
    assert.equal(classifyDependencyError(error), 'unknown', String(error));
  }
});

test('a tripped breaker probes on its own: with no caller waiting, it closes once the server answers', async () => {
  let up = false;
  const dependency = new Dependency('postgres', {
    probe: async () => {
      if (!up) throw new Error('connect ECONNREFUSED');
    },
    probeBackoff: { initialMs: 10, maxMs: 20, multiplier: 2 },
  });
  dependency.trip(new Error('connect ECONNREFUSED'));
  assert.notEqual(dependency.state, 'closed');
  await sleep(50);
  assert.notEqual(dependency.state, 'closed', 'still away');
  up = true;
  for (let i = 0; i < 50 && dependency.state !== 'closed'; i++) await sleep(10);
  assert.equal(dependency.state, 'closed');
});
