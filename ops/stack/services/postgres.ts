import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { runAsServiceUser } from '../exec.js';
import type { ServiceContext, ServiceDefinition } from '../service.js';

/** Debian's PostgreSQL server binaries; `ops/install.sh` installs the package. */
export function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(path.join(base, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (!newest) throw new Error('PostgreSQL server not found under /usr/lib/postgresql: run ops/install.sh');
  return path.join(base, newest, 'bin');
}

const dataDir = (ctx: ServiceContext) => path.join(ctx.dir, 'data');
const socketDir = (ctx: ServiceContext) => path.join(ctx.dir, 'run');

/** Superuser and default database of the local stack; other services create their own databases. */
export const POSTGRES_USER = 'ticketflow';

export async function withPostgres<T>(
  ctx: ServiceContext,
  database: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    host: ctx.config.host,
    port: ctx.config.ports.postgres,
    user: POSTGRES_USER,
    database,
    connectionTimeoutMillis: 2000,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates a database owned by the stack user unless it exists (CREATE DATABASE has no IF NOT EXISTS). */
export async function ensureDatabase(ctx: ServiceContext, name: string): Promise<void> {
  await withPostgres(ctx, 'postgres', async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  });
}

export const postgres: ServiceDefinition = {
  name: 'postgres',
  dependsOn: [],
  startTimeoutMs: 30_000,
  // SIGINT is the postmaster's fast shutdown: it ends every session, checkpoints and exits, so the next start needs
  // no recovery. SIGTERM (smart) would wait for every pooled connection of every client process to close, which
  // long-running services never do; and signalling the group would hit the backends before the postmaster.
  stop: { signal: 'SIGINT', target: 'leader', graceMs: 30_000 },
  ports: (config) => [config.ports.postgres],
  endpoint: (config) => `postgres://${POSTGRES_USER}@${config.host}:${config.ports.postgres}/ticketflow`,

  async install() {
    postgresBinDir();
  },

  async prepare(ctx) {
    mkdirSync(socketDir(ctx), { recursive: true });
    if (existsSync(path.join(dataDir(ctx), 'PG_VERSION'))) return;
    ctx.log('initialising a new PostgreSQL cluster');
    // initdb refuses to run as root.
    await runAsServiceUser(path.join(postgresBinDir(), 'initdb'), [
      '-D',
      dataDir(ctx),
      '-U',
      POSTGRES_USER,
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
    ]);
  },

  async process(ctx) {
    return {
      command: path.join(postgresBinDir(), 'postgres'),
      args: [
        '-D',
        dataDir(ctx),
        '-p',
        String(ctx.config.ports.postgres),
        '-c',
        `listen_addresses=${ctx.config.host}`,
        '-c',
        `unix_socket_directories=${socketDir(ctx)}`,
        '-c',
        'max_connections=200',
        '-c',
        'shared_buffers=256MB',
        // A local development and test stack: durability across OS crashes is not worth the fsync cost.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
    };
  },

  async healthy(ctx) {
    try {
      return await withPostgres(
        ctx,
        'postgres',
        async (client) => (await client.query('SELECT 1 AS ok')).rows[0]?.ok === 1,
      );
    } catch {
      return false;
    }
  },

  async afterStart(ctx) {
    await ensureDatabase(ctx, 'ticketflow');
  },
};
