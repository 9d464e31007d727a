import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterCursorFilter, CursorError, decodeCursor, encodeCursor } from './cursor.js';

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
    Buffer.from('null').toString('base64url'),
    'a'.repeat(2000),
  ];
  for (const cursor of bad) assert.throws(() => decodeCursor(cursor), CursorError, cursor);
});

test('the filter selects what sorts after the position in (updatedAt desc, _id desc) order', () => {
  assert.deepEqual(afterCursorFilter({ updatedAt: 5, id: 'b' }), {
    $or: [{ updatedAt: { $lt: 5 } }, { updatedAt: 5, _id: { $lt: 'b' } }],
  });
});
