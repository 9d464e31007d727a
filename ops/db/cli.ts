/**
 * `npm run db:migrate -- <command>`:
 *   migrate                                        apply pending migrations (the default)
 *   status                                         list migrations and whether each is applied
 *   create-org <orgId> [--name N] [--rate R] [--burst B]
 *                                                  create or update an org (rate: events/s, burst: events)
 *   create-ingest-key <orgId> [--label L]          print a new key for the org, the only time it is shown
 *   revoke-ingest-key <keyId>                      revoke a key for good
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../../config/index.js';
import { createIngestKey, revokeIngestKey, upsertOrganization } from './ingest-keys.js';
import { migrate, MigrationError, readMigrations } from './migrate.js';

const USAGE = `usage: npm run db:migrate -- migrate | status
       npm run db:migrate -- create-org <orgId> [--name NAME] [--rate EVENTS_PER_SEC] [--burst EVENTS]
       npm run db:migrate -- create-ingest-key <orgId> [--label LABEL]
       npm run db:migrate -- revoke-ingest-key <keyId>`;

class UsageError extends Error {}

function positiveNumber(raw: string | undefined, flag: string): number | null {
  if (raw === undefined) return null;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${flag} must be a positive number, got ${raw}`);
  return value;
}

async function run(pool: pg.Pool, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      label: { type: 'string' },
      rate: { type: 'string' },
      burst: { type: 'string' },
    },
  });
  const [command = 'migrate', subject] = positionals;
  const needSubject = (what: string) => {
    if (!subject) throw new UsageError(`${command} needs ${what}`);
    return subject;
  };
  switch (command) {
    case 'migrate': {
      const { applied, alreadyApplied } = await migrate(pool);
      for (const name of applied) console.log(`applied ${name}`);
      console.log(`${applied.length} migration(s) applied, ${alreadyApplied} already applied`);
      return;
    }
    case 'status': {
      const { rows } = await pool
        .query<{ version: number; applied_at: Date }>('SELECT version, applied_at FROM schema_migrations')
        .catch(() => ({ rows: [] as Array<{ version: number; applied_at: Date }> }));
      const done = new Map(rows.map((r) => [r.version, r.applied_at]));
      for (const m of readMigrations()) {
        const at = done.get(m.version);
        console.log(`${m.name.padEnd(48)} ${at ? `applied ${at.toISOString()}` : 'pending'}`);
      }
      return;
    }
    case 'create-org': {
      const id = needSubject('an org id');
      const burst = positiveNumber(values.burst, '--burst');
      if (burst !== null && !Number.isInteger(burst)) throw new UsageError('--burst must be a whole number');
      await upsertOrganization(pool, {
        id,
        name: values.name ?? id,
        ingestRatePerSec: positiveNumber(values.rate, '--rate'),
        ingestBurst: burst,
      });
      console.log(`organization ${id} saved`);
      return;
    }
    case 'create-ingest-key': {
      const created = await createIngestKey(pool, needSubject('an org id'), values.label ?? '');
      console.log(`key id: ${created.id}`);
      console.log(`ingest key for ${created.orgId} (shown once, store it now):`);
      console.log(created.key);
      return;
    }
    case 'revoke-ingest-key': {
      const keyId = needSubject('a key id');
      if (!(await revokeIngestKey(pool, keyId))) throw new UsageError(`no active ingest key with id ${keyId}`);
      console.log(`ingest key ${keyId} revoked`);
      return;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

const config = loadConfig();
const pool = new pg.Pool({ connectionString: config.postgres.url, max: 1, connectionTimeoutMillis: 5000 });
try {
  await run(pool, process.argv.slice(2));
} catch (error) {
  process.exitCode = error instanceof UsageError ? 2 : 1;
  if (error instanceof UsageError) console.error(`${error.message}\n${USAGE}`);
  else if (error instanceof MigrationError) console.error(error.message);
  else console.error((error as Error).message);
} finally {
  await pool.end();
}
