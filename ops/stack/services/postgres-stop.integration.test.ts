/**
 * `stack stop postgres` while clients keep pooled connections open, as every ticketflow process does: the server
 * must shut down at once and cleanly, so that the next start needs no crash recovery. Runs a PostgreSQL of its own
 * (temporary folder, free port), so the shared stack is never touched.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { loadConfig, type StackConfig } from '../../../config/index.js';
import { freePort } from '../../net.js';
import { serviceFiles, Supervisor } from '../supervisor.js';
import { postgres, POSTGRES_USER } from './postgres.js';

let stateDir: string;
let stack: StackConfig;
let supervisor: Supervisor;
const lines: string[] = [];

before(async () => {
  stateDir = mkdtempSync(path.join(tmpdir(), 'tf-pg-stop-'));
  // The server runs as the service user when the tests run as root; it must reach its folder.
  chmodSync(stateDir, 0o755);
  const defaults = loadConfig({}).stack;
  stack = { ...defaults, stateDir, ports: { ...defaults.ports, postgres: await freePort() } };
  supervisor = new Supervisor(stack, [postgres], (line) => lines.push(line));
  assert.deepEqual(await supervisor.up(), [], lines.join('\n'));
});

after(async () => {
  await supervisor?.down();
  rmSync(stateDir, { recursive: true, force: true });
});

/** The server log written since `offset`. */
function logSince(offset: number): string {
  return readFileSync(serviceFiles(stack, 'postgres').logFile, 'utf8').slice(offset);
}

test('stop postgres with pooled and busy connections open: fast shutdown, and the next start needs no recovery', async () => {
  const pool = new pg.Pool({
    host: stack.host,
    port: stack.ports.postgres,
    user: POSTGRES_USER,
    database: 'ticketflow',
    max: 6,
  });
  const poolErrors: string[] = [];
  // The server ends idle pooled sessions; a pool without this listener would crash the process.
  pool.on('error', (error) => poolErrors.push(error.message));
  try {
    const held = await Promise.all(Array.from({ length: 5 }, () => pool.connect()));
    held.forEach((client) => client.release());
    assert.equal(pool.idleCount, 5, 'five idle pooled connections, as a long-running service keeps them');
    // One session busy in a long statement as well: a smart shutdown would wait for it too.
    const busy = pool.query('SELECT pg_sleep(60)').then(
      () => 'finished',
      (error: Error) => error.message,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    const logOffset = readFileSync(serviceFiles(stack, 'postgres').logFile, 'utf8').length;
    lines.length = 0;
    const stopStarted = Date.now();
    await supervisor.stop('postgres');
    const stopMs = Date.now() - stopStarted;
    const stopLog = logSince(logOffset);
    assert.match(lines.join('\n'), /\[postgres\] stopped \(pid \d+\) in \d+\.\ds/, 'stopped without being killed');
    assert.ok(stopMs < 10_000, `stopped in ${stopMs} ms`);
    assert.match(stopLog, /received fast shutdown request/);
    assert.match(stopLog, /database system is shut down/);
    assert.match(await busy, /terminating connection due to administrator command/);

    const restartOffset = readFileSync(serviceFiles(stack, 'postgres').logFile, 'utf8').length;
    const startStarted = Date.now();
    assert.deepEqual(await supervisor.up(), [], lines.join('\n'));
    const startMs = Date.now() - startStarted;
    const startLog = logSince(restartOffset);
    assert.match(startLog, /database system was shut down at/, 'the server found a clean shutdown');
    assert.doesNotMatch(startLog, /not properly shut down|automatic recovery|interrupted/);
    assert.ok(startMs < 15_000, `started again in ${startMs} ms`);

    // The same pool serves again: it drops the ended sessions and opens new ones.
    const { rows } = await pool.query<{ ok: number }>('SELECT 1 AS ok');
    assert.equal(rows[0]?.ok, 1);
    console.log(`stop ${stopMs} ms, start ${startMs} ms, pool errors seen: ${poolErrors.length}`);
  } finally {
    await pool.end();
  }
});
