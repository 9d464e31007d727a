import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, requestFingerprint } from './fingerprint.js';

test('canonical JSON sorts keys at every depth and keeps array order', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, 1], c: null } }), '{"a":{"c":null,"d":[2,1]},"b":1}');
  assert.equal(canonicalJson({ a: undefined, b: 'x' }), '{"b":"x"}');
});

test('the fingerprint ignores key order but not values or the endpoint', () => {
  const a = requestFingerprint('/v1/interactions', { body: 'hi', channel: 'CHAT' });
  assert.equal(a, requestFingerprint('/v1/interactions', { channel: 'CHAT', body: 'hi' }));
  assert.notEqual(a, requestFingerprint('/v1/interactions', { channel: 'CHAT', body: 'hi!' }));
  assert.notEqual(a, requestFingerprint('/v1/interactions/batch', { channel: 'CHAT', body: 'hi' }));
});
