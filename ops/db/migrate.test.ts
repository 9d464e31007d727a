import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MigrationError, parseMigrations, pendingMigrations, readMigrations } from './migrate.js';

const file = (name: string, sql = 'SELECT 1;') => ({ file: name, sql });

test('migrations are ordered by their number, whatever order the folder lists them in', () => {
  const parsed = parseMigrations([file('0010_later.sql'), file('0002_second.sql'), file('0001_first.sql')]);
  assert.deepEqual(
    parsed.map((m) => [m.version, m.name]),
    [
      [1, '0001_first.sql'],
      [2, '0002_second.sql'],
      [10, '0010_later.sql'],
    ],
  );
  assert.match(parsed[0]!.checksum, /^[0-9a-f]{64}$/);
});

test('badly named, duplicate and empty files are refused naming the file', () => {
  const cases: Array<[Array<{ file: string; sql: string }>, RegExp]> = [
    [[file('1_short.sql')], /^1_short\.sql: migration files are named NNNN_lowercase_name\.sql$/],
    [[file('0001_Upper.sql')], /0001_Upper\.sql: migration files are named/],
    [[file('0001_a.sql'), file('0001_b.sql')], /0001_b\.sql: version 1 is also used by 0001_a\.sql/],
    [[file('0001_a.sql', '  \n')], /0001_a\.sql: is empty/],
  ];
  for (const [files, message] of cases) {
    assert.throws(
      () => parseMigrations(files),
      (e: unknown) => e instanceof MigrationError && message.test(e.message),
    );
  }
});

test('pending: what the database lacks; an edited or unknown applied migration is refused', () => {
  const all = parseMigrations([file('0001_a.sql'), file('0002_b.sql')]);
  const applied = [{ version: 1, name: '0001_a.sql', checksum: all[0]!.checksum }];
  assert.deepEqual(
    pendingMigrations(all, applied).map((m) => m.name),
    ['0002_b.sql'],
  );
  assert.deepEqual(
    pendingMigrations(all, [...applied, { version: 2, name: '0002_b.sql', checksum: all[1]!.checksum }]),
    [],
  );
  assert.throws(
    () => pendingMigrations(all, [{ ...applied[0]!, checksum: 'x' }]),
    /0001_a\.sql was changed after it was applied/,
  );
  assert.throws(
    () => pendingMigrations(all, [{ version: 3, name: '0003_gone.sql', checksum: 'x' }]),
    /the database has migration 0003_gone\.sql, which is not in the migrations folder/,
  );
});

test('the migrations folder itself parses', () => {
  const names = readMigrations().map((m) => m.name);
  assert.equal(names[0], '0001_organizations_and_ingest_keys.sql');
});
