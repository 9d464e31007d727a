import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../../config/index.js';

test('PostgreSQL: a table round-trips rows, enforces a unique key and answers upserts', async () => {
  const pool = new pg.Pool({ connectionString: loadConfig().postgres.url, max: 2 });
  const table = `smoke_${randomUUID().replaceAll('-', '')}`;
  try {
    await pool.query(
      `CREATE TABLE ${table} (org_id text NOT NULL, key text NOT NULL, hits int NOT NULL, PRIMARY KEY (org_id, key))`,
    );
    await pool.query(`INSERT INTO ${table} VALUES ($1, $2, 1)`, ['org-a', 'k1']);
    await assert.rejects(pool.query(`INSERT INTO ${table} VALUES ($1, $2, 1)`, ['org-a', 'k1']), { code: '23505' });
    for (let i = 0; i < 2; i++) {
      await pool.query(
        `INSERT INTO ${table} VALUES ($1, $2, 1) ON CONFLICT (org_id, key) DO UPDATE SET hits = ${table}.hits + 1`,
        ['org-a', 'k1'],
      );
    }
    const { rows } = await pool.query(`SELECT org_id, key, hits FROM ${table}`);
    assert.deepEqual(rows, [{ org_id: 'org-a', key: 'k1', hits: 3 }]);
  } finally {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  }
});
