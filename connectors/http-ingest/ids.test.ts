import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventIdFor, nameBasedUuid, newConversationId, ticketIdOf } from './ids.js';

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const origin = { orgId: 'acme', idempotencyKey: 'k-1', fingerprint: 'f'.repeat(64) };

test('name-based ids are stable version-5 UUIDs, and part boundaries matter', () => {
  assert.match(nameBasedUuid('a', 'b'), UUID_V5);
  assert.equal(nameBasedUuid('a', 'b'), nameBasedUuid('a', 'b'));
  assert.notEqual(nameBasedUuid('ab', 'c'), nameBasedUuid('a', 'bc'));
});

test('a conversation has one ticket per org', () => {
  assert.equal(ticketIdOf('acme', 'c-1'), ticketIdOf('acme', 'c-1'));
  assert.notEqual(ticketIdOf('acme', 'c-1'), ticketIdOf('globex', 'c-1'));
  assert.notEqual(ticketIdOf('acme', 'c-1'), ticketIdOf('acme', 'c-2'));
});

test('with an Idempotency-Key, event and conversation ids repeat for the same request and position', () => {
  assert.equal(eventIdFor(origin, 0), eventIdFor({ ...origin }, 0));
  assert.notEqual(eventIdFor(origin, 0), eventIdFor(origin, 1));
  assert.notEqual(eventIdFor(origin, 0), eventIdFor({ ...origin, fingerprint: 'other' }, 0));
  assert.equal(newConversationId(origin, 3), newConversationId(origin, 3));
  assert.notEqual(newConversationId(origin, 0), eventIdFor(origin, 0));
});

test('without one, every id is new', () => {
  assert.notEqual(eventIdFor(undefined, 0), eventIdFor(undefined, 0));
  assert.notEqual(newConversationId(undefined, 0), newConversationId(undefined, 0));
});
