import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entityKey, interactionKey, orgKey, orgOfKey } from './keys.js';

test('keys start with the org id, which can be read back from either shape', () => {
  assert.equal(orgKey('acme'), 'acme');
  assert.equal(entityKey('acme', 'doc-7:3'), 'acme:doc-7:3');
  assert.equal(orgOfKey('acme:doc-7:3'), 'acme');
  assert.equal(orgOfKey('acme'), 'acme');
});

test('an org id that would make keys ambiguous is rejected', () => {
  assert.throws(() => orgKey(''), /non-empty/);
  assert.throws(() => entityKey('ac:me', 'x'), /free of ':'/);
  assert.throws(() => entityKey('acme', ''), /entity id must be non-empty/);
});

test('an interaction is keyed by its org, or by org and conversation for an org spread over partitions', () => {
  assert.equal(interactionKey('acme', 'conv-1', 'org'), 'acme');
  assert.equal(interactionKey('acme', 'conv-1', 'conversation'), 'acme:conv-1');
  assert.equal(orgOfKey(interactionKey('acme', 'conv:1', 'conversation')), 'acme');
});
