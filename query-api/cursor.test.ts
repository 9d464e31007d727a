import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listPosition } from '../processors/sinks/ticket-views.js';
import { CursorError, cursorOfPosition, decodeCursor, encodeCursor, positionOfCursor } from './cursor.js';

test('a cursor round-trips its position and is opaque base64url', () => {
  const position = { updatedAt: 1_700_000_000_123, id: 'org-a:T-1042' };
  const cursor = encodeCursor(position);
  assert.match(cursor, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeCursor(cursor), position);
});

test('cursors we did not issue are refused with a CursorError', () => {
  const bad = [
    '',
    'not base64!',
    Buffer.from('nope').toString('base64url'),
    Buffer.from('{"u":"1","i":"x"}').toString('base64url'),
    Buffer.from('{"u":1.5,"i":"x"}').toString('base64url'),
    Buffer.from('{"u":1,"i":""}').toString('base64url'),
    Buffer.from('{"u":-1,"i":"x"}').toString('base64url'),
    Buffer.from('null').toString('base64url'),
    'a'.repeat(2000),
  ];
  for (const cursor of bad) assert.throws(() => decodeCursor(cursor), CursorError, cursor);
});

test('a cursor names a list position and back, ids with colons included', () => {
  for (const position of [
    { updatedAt: 1_700_000_000_123, id: 'T-1' },
    { updatedAt: 0, id: 'a:b:c' },
  ]) {
    const member = positionOfCursor(position);
    assert.equal(member, listPosition(position.updatedAt, position.id));
    assert.deepEqual(cursorOfPosition(member), position);
  }
});

test('positions sort as the list does: newer first from the end, then by id within one millisecond', () => {
  const positions = [
    listPosition(999, 'z'),
    listPosition(1000, 'a'),
    listPosition(1000, 'b'),
    listPosition(1000, 'b0'),
    listPosition(10_000, 'a'),
    listPosition(1_700_000_000_000, 'a'),
  ];
  // Redis compares the bytes of members that score alike; so does Buffer.compare.
  const sorted = [...positions].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  assert.deepEqual(sorted, positions);
  // Out-of-range times are clamped rather than breaking the order.
  assert.ok(listPosition(-5, 'x') < listPosition(0, 'y'));
  assert.equal(listPosition(1e20, 'x').length, 16 + 2);
});
