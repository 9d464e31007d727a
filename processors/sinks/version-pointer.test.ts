import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VersionPointer } from './version-pointer.js';

test('the version is read again only once it is older than the refresh interval', async () => {
  let stored = 1;
  let reads = 0;
  let now = 0;
  const pointer = new VersionPointer(
    async () => {
      reads++;
      return stored;
    },
    1000,
    () => now,
  );
  assert.equal(await pointer.current(), 1);
  stored = 2;
  now = 999;
  assert.equal(await pointer.current(), 1, 'within the interval the known version stands');
  now = 1000;
  assert.equal(await pointer.current(), 2, 'a switch is seen once the interval has passed');
  assert.equal(reads, 2);
});

test('while the pointer cannot be read the version known last stands; with none known, the failure shows', async () => {
  let fail = false;
  let now = 0;
  const pointer = new VersionPointer(
    async () => {
      if (fail) throw new Error('store away');
      return 3;
    },
    10,
    () => now,
  );
  fail = true;
  await assert.rejects(pointer.current(), /store away/);
  fail = false;
  assert.equal(await pointer.current(), 3);
  fail = true;
  now = 100;
  assert.equal(await pointer.current(), 3);
});
