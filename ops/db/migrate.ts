/**
 * A migration runner small enough to read in one sitting: `NNNN_name.sql` files applied in order, each in its
 * own transaction, recorded in `schema_migrations` with a checksum so an edited, already applied file is
 * refused rather than silently skipped.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pool, PoolClient } from 'pg';

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * Arbitrary but fixed: every runner against the same database takes this advisory lock, so two instances
 * starting at once apply each migration once instead of racing on the same DDL.
 */
const LOCK_ID = 7_461_001_042;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Parses the folder's file names and contents; throws naming the file for anything that does not fit. */
export function parseMigrations(files: ReadonlyArray<{ file: string; sql: string }>): Migration[] {
  const byVersion = new Map<number, Migration>();
  for (const { file, sql } of files) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new MigrationError(`${file}: migration files are named NNNN_lowercase_name.sql`);
    const version = Number(match[1]);
    const earlier = byVersion.get(version);
    if (earlier) throw new MigrationError(`${file}: version ${version} is also used by ${earlier.name}`);
    if (sql.trim() === '') throw new MigrationError(`${file}: is empty`);
    byVersion.set(version, { version, name: file, sql, checksum: sha256(sql) });
  }
  return [...byVersion.values()].sort((a, b) => a.version - b.version);
}

export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => ({ file, sql: readFileSync(path.join(dir, file), 'utf8') }));
  return parseMigrations(files);
}

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
}

/** What is left to apply; throws when the database has a migration the folder lacks or a different one. */
export function pendingMigrations(all: readonly Migration[], applied: readonly AppliedMigration[]): Migration[] {
  const known = new Map(all.map((m) => [m.version, m]));
  for (const done of applied) {
    const local = known.get(done.version);
    if (!local) {
      throw new MigrationError(`the database has migration ${done.name}, which is not in the migrations folder`);
    }
    if (local.checksum !== done.checksum) {
      throw new MigrationError(
        `${local.name} was changed after it was applied; add a new migration instead of editing an applied one`,
      );
    }
  }
  const appliedVersions = new Set(applied.map((m) => m.version));
  return all.filter((m) => !appliedVersions.has(m.version));
}

export interface MigrateResult {
  readonly applied: string[];
  readonly alreadyApplied: number;
}

/** Applies what is pending; running it again applies nothing. */
export async function migrate(pool: Pool, migrations: readonly Migration[] = readMigrations()): Promise<MigrateResult> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const applied = await appliedMigrations(client);
      const pending = pendingMigrations(migrations, applied);
      for (const migration of pending) await applyOne(client, migration);
      return { applied: pending.map((m) => m.name), alreadyApplied: applied.length };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]);
    }
  } finally {
    client.release();
  }
}

async function appliedMigrations(client: PoolClient): Promise<AppliedMigration[]> {
  const { rows } = await client.query<AppliedMigration>(
    'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
  );
  return rows;
}

async function applyOne(client: PoolClient, migration: Migration): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(migration.sql);
    await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
      migration.version,
      migration.name,
      migration.checksum,
    ]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw new MigrationError(`${migration.name} failed and was rolled back: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
