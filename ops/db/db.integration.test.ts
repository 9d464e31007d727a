/**
 * The migration runner and the ingest-key store against the stack's PostgreSQL. The runner's own behaviour
 * is tried on throwaway migrations in a scratch schema; the project's migrations run on the real database,
 * where running them again must change nothing.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../config/index.js';
import {
  createIngestKey,
  findIngestKeyOwner,
  revokeIngestKey,
  UnknownOrganizationError,
  upsertOrganization,
} from './ingest-keys.js';
import { migrate, MigrationError, readMigrations } from './migrate.js';

const url = loadConfig().postgres.url;
const run = randomUUID().slice(0, 8);
const scratch = `it_migrations_${run}`;
const pool = new pg.Pool({ connectionString: url, max: 4 });
const scratchPool = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${scratch}` });
const dir = mkdtempSync(path.join(tmpdir(), 'tf-migrations-'));
const orgs: string[] = [];

after(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${scratch} CASCADE`);
  if (orgs.length) await pool.query('DELETE FROM organizations WHERE id = ANY($1)', [orgs]);
  await scratchPool.end();
  await pool.end();
  rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, sql: string) => writeFileSync(path.join(dir, name), sql);
const tables = async () =>
  (
    await pool.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [scratch],
    )
  ).rows.map((r) => r.table_name);

test('the runner: in order, once, each migration in a transaction that a failure rolls back', async () => {
  await pool.query(`CREATE SCHEMA ${scratch}`);
  write('0001_widgets.sql', 'CREATE TABLE widgets (id int PRIMARY KEY);');
  write('0002_seed.sql', 'INSERT INTO widgets VALUES (1), (2);');

  // Two runners at once, as two instances starting together: the advisory lock lets one apply each file.
  const [a, b] = await Promise.all([
    migrate(scratchPool, readMigrations(dir)),
    migrate(scratchPool, readMigrations(dir)),
  ]);
  assert.deepEqual([...a.applied, ...b.applied].sort(), ['0001_widgets.sql', '0002_seed.sql']);
  const again = await migrate(scratchPool, readMigrations(dir));
  assert.deepEqual(again, { applied: [], alreadyApplied: 2 });
  assert.equal((await scratchPool.query('SELECT count(*)::int AS n FROM widgets')).rows[0].n, 2);

  write('0003_broken.sql', 'CREATE TABLE gadgets (id int); INSERT INTO nowhere VALUES (1);');
  await assert.rejects(migrate(scratchPool, readMigrations(dir)), (error: unknown) => {
    assert.ok(error instanceof MigrationError);
    assert.match(error.message, /^0003_broken\.sql failed and was rolled back: relation "nowhere" does not exist/);
    return true;
  });
  assert.deepEqual(await tables(), ['schema_migrations', 'widgets'], 'gadgets was rolled back with the failure');
  const versions = (await scratchPool.query('SELECT version FROM schema_migrations ORDER BY version')).rows;
  assert.deepEqual(versions, [{ version: 1 }, { version: 2 }]);

  write('0003_broken.sql', 'CREATE TABLE gadgets (id int);');
  assert.deepEqual((await migrate(scratchPool, readMigrations(dir))).applied, ['0003_broken.sql']);
  write('0001_widgets.sql', 'CREATE TABLE widgets (id bigint PRIMARY KEY);');
  await assert.rejects(migrate(scratchPool, readMigrations(dir)), /0001_widgets\.sql was changed after it was applied/);
});

test("the project's migrations are applied, and applying them again changes nothing", async () => {
  await migrate(pool);
  const again = await migrate(pool);
  assert.deepEqual(again.applied, []);
  assert.equal(again.alreadyApplied >= readMigrations().length, true);
  const columns = await pool.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'ingest_keys' ORDER BY ordinal_position",
  );
  assert.deepEqual(
    columns.rows.map((r) => r.column_name),
    ['id', 'org_id', 'key_hash', 'label', 'created_at', 'revoked_at'],
  );
});

test('ingest keys: shown once, stored as SHA-256 only, found by the hash, dead once revoked', async () => {
  const orgId = `it-keys-${run}`;
  orgs.push(orgId);
  await upsertOrganization(pool, { id: orgId, name: 'Keys test', ingestRatePerSec: 5, ingestBurst: 10 });
  const created = await createIngestKey(pool, orgId, 'ci');
  assert.match(created.key, /^tfik_[A-Za-z0-9_-]{43}$/);

  const { rows } = await pool.query('SELECT * FROM ingest_keys WHERE id = $1', [created.id]);
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0].key_hash, createHash('sha256').update(created.key).digest());
  assert.ok(!JSON.stringify(rows[0]).includes(created.key.slice(5)), 'the plaintext is stored nowhere');

  assert.deepEqual(await findIngestKeyOwner(pool, created.key), {
    keyId: created.id,
    org: { id: orgId, name: 'Keys test', ingestRatePerSec: 5, ingestBurst: 10, partitionKey: 'org' },
  });
  // Flip the last character to one it is not, so the near miss never equals the key by chance.
  const nearMiss = created.key.slice(0, -1) + (created.key.endsWith('A') ? 'B' : 'A');
  assert.equal(await findIngestKeyOwner(pool, nearMiss), null, 'a near miss is no key');
  assert.equal(await findIngestKeyOwner(pool, 'nonsense'), null);

  assert.equal(await revokeIngestKey(pool, created.id), true);
  assert.equal(await revokeIngestKey(pool, created.id), false, 'already revoked');
  assert.equal(await findIngestKeyOwner(pool, created.key), null);
});

test('keys need an existing org, and org ids cannot hold the key separator', async () => {
  await assert.rejects(createIngestKey(pool, `it-missing-${run}`), UnknownOrganizationError);
  await assert.rejects(upsertOrganization(pool, { id: `it:${run}`, name: 'bad' }), /organizations_id_check/);
});
