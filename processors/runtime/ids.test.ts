import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveEventId } from './ids.js';

test('derived ids are stable, distinct per stage and position, and shaped like a v5 UUID', () => {
  const input = '0b0f5c8e-7a57-4d0e-9a3b-2d5b1b8e9f10';
  const id = deriveEventId(input, 'enrich', 0);
  assert.equal(id, deriveEventId(input, 'enrich', 0));
  assert.notEqual(id, deriveEventId(input, 'enrich', 1));
  assert.notEqual(id, deriveEventId(input, 'classify', 0));
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
