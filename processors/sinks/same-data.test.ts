import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameData } from './same-data.js';

class Record {
  constructor(
    readonly customerId: string,
    readonly externalId: string | null,
  ) {}
}

test('the same data is the same whatever the prototypes, as a decoded event and a stored copy are', () => {
  const decoded = { customer: new Record('c-1', null), attachments: [new Record('a', 'b')], at: 5 };
  const stored = JSON.parse(JSON.stringify(decoded));
  assert.ok(sameData(decoded, stored));
  assert.ok(sameData({ a: 1, b: undefined }, { a: 1 }), 'an undefined field is no field');
});

test('any difference of value, length, type or field is a difference', () => {
  const base = { customer: { customerId: 'c-1', externalId: null }, list: [1, 2], n: 0 };
  for (const other of [
    { ...base, n: 1 },
    { ...base, n: '0' },
    { ...base, list: [1, 2, 3] },
    { ...base, list: [2, 1] },
    { ...base, customer: { customerId: 'c-1', externalId: 'x' } },
    { ...base, customer: null },
    { ...base, extra: true },
    { ...base, list: { 0: 1, 1: 2 } },
  ]) {
    assert.ok(!sameData(base, other), JSON.stringify(other));
  }
});
