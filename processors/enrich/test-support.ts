/**
 * For integration tests: the project's migrations applied to a schema of their own, so tests get exactly the
 * tables 0003_customer_context.sql creates without touching anything outside it.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../config/index.js';
import { migrate } from '../../ops/db/migrate.js';

export interface ScratchDatabase {
  readonly schema: string;
  /** Connections whose search path is the scratch schema. */
  readonly pool: pg.Pool;
  drop(): Promise<void>;
}

export async function scratchDatabase(label: string): Promise<ScratchDatabase> {
  const url = loadConfig().postgres.url;
  const schema = `it_${label}_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const pool = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` });
  await migrate(pool);
  return {
    schema,
    pool,
    async drop() {
      await pool.end();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}
