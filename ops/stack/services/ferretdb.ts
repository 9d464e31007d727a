/**
 * FerretDB 1.24.2 as a second, optional Mongo-wire server: MongoDB's wire protocol over a database of its own in the
 * stack's PostgreSQL. The Go module proxy serves FerretDB's source only, so a small main of ours
 * (ops/mongo-wire/ferretdb/) embeds it and is built with the machine's Go on first `stack up ferretdb`, into
 * `.stack/dist/`; nothing built is committed. Its SQLite backend is left out of the build (build tag), which saves
 * compiling a C-to-Go SQLite.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import type { StackConfig } from '../../../config/index.js';
import { run } from '../exec.js';
import type { ProcessSpec, ServiceContext, ServiceDefinition } from '../service.js';
import { ensureDatabase, POSTGRES_USER } from './postgres.js';

export const FERRETDB_VERSION = '1.24.2';
/** The PostgreSQL database FerretDB keeps every Mongo database and collection in. */
export const FERRETDB_DATABASE = 'ferretdb';
const BUILD_PREFIX = 'ferretdb-';
const SOURCE_FILES = ['main.go', 'go.mod', 'go.sum'];

const sourceDir = (ctx: ServiceContext) => path.join(ctx.root, 'ops', 'mongo-wire', 'ferretdb');

/**
 * The built binary, in a folder named by a hash of its sources (which pin the FerretDB version): a changed source
 * builds into a new folder, so an unchanged one is never rebuilt and a half-finished build is never used.
 */
function binary(ctx: ServiceContext): string {
  const hash = createHash('sha256');
  for (const file of SOURCE_FILES) hash.update(readFileSync(path.join(sourceDir(ctx), file)));
  return path.join(ctx.distDir, `${BUILD_PREFIX}${FERRETDB_VERSION}-${hash.digest('hex').slice(0, 12)}`, 'ferretdb');
}

export function ferretdbUrl(config: StackConfig): string {
  return `mongodb://${config.host}:${config.ports.ferretdb}/`;
}

async function goCommand(): Promise<string> {
  for (const candidate of ['go', '/usr/local/go/bin/go']) {
    try {
      await run(candidate, ['version']);
      return candidate;
    } catch {
      /* try the next */
    }
  }
  throw new Error('Go is not installed: ferretdb is built from source with Go 1.24 or newer');
}

export const ferretdb: ServiceDefinition = {
  name: 'ferretdb',
  dependsOn: ['postgres'],
  optional: true,
  startTimeoutMs: 30_000,
  // On SIGTERM our main ends FerretDB's Run, which closes the listener, the clients and its PostgreSQL pool.
  stop: { signal: 'SIGTERM', target: 'leader', graceMs: 30_000 },
  ports: (config) => [config.ports.ferretdb],
  endpoint: ferretdbUrl,

  async install(ctx) {
    const target = binary(ctx);
    if (existsSync(target)) return;
    const go = await goCommand();
    ctx.log(`building FerretDB ${FERRETDB_VERSION} with Go (modules from the Go module proxy; minutes the first time)`);
    const work = `${path.dirname(target)}.partial`;
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    await run(go, ['build', '-tags', 'ferretdb_no_sqlite', '-trimpath', '-o', path.join(work, 'ferretdb'), '.'], {
      cwd: sourceDir(ctx),
      // go.mod and go.sum pin every module: a build must not rewrite them.
      env: { GOFLAGS: '-mod=readonly' },
    });
    renameSync(work, path.dirname(target));
    for (const entry of readdirSync(ctx.distDir)) {
      const stale = path.join(ctx.distDir, entry);
      if (entry.startsWith(BUILD_PREFIX) && stale !== path.dirname(target))
        rmSync(stale, { recursive: true, force: true });
    }
  },

  async prepare(ctx) {
    await ensureDatabase(ctx, FERRETDB_DATABASE);
  },

  async process(ctx): Promise<ProcessSpec> {
    const { host, ports } = ctx.config;
    const postgresUrl = `postgres://${POSTGRES_USER}@${host}:${ports.postgres}/${FERRETDB_DATABASE}`;
    return {
      command: binary(ctx),
      // At warn it logs every refused command in full (drivers send `endSessions`, which it does not know).
      args: ['--listen', `${host}:${ports.ferretdb}`, '--postgresql-url', postgresUrl, '--log-level', 'error'],
      cwd: ctx.dir,
    };
  },

  async healthy(ctx) {
    const client = new MongoClient(ferretdbUrl(ctx.config), {
      directConnection: true,
      serverSelectionTimeoutMS: 1000,
      connectTimeoutMS: 1000,
      socketTimeoutMS: 2000,
      appName: 'ticketflow-stack-health',
    });
    try {
      const reply = await client.db('admin').command({ ping: 1 });
      return reply.ok === 1;
    } catch {
      return false;
    } finally {
      await client.close().catch(() => undefined);
    }
  },
};
