/**
 * `npm run fuzz`: schemathesis against both HTTP services, as they run in production (their mains, in child
 * processes), authenticated for a throwaway org: an ingest key, and a query-API token signed with a secret made
 * for this run. Ingest writes to a throwaway topic, so the fuzzer's events never become work for the pipeline.
 *
 * It fails on any 5xx, any answer the OpenAPI document does not describe (status, headers, body schema), a
 * valid request refused or an invalid one accepted, and on either process exiting. Everything it created is
 * removed afterwards. `--max-examples N` (default 20) bounds each operation's generated cases; both services take
 * about a minute together on the reference machine. `--seed N|random` (a fixed one by default).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { repoRoot } from '../../config/index.js';
import { signDevToken } from '../../query-api/jwt.js';
import { config, createTestTopics, exited, spawnApp } from '../../processors/testing/kafka-kit.js';
import { createIngestKey, upsertOrganization } from '../db/ingest-keys.js';
import { migrate } from '../db/migrate.js';
import { freePort, waitUntilOk } from '../net.js';
import { INGEST_APP, QUERY_API_APP } from '../stack/apps.js';

const SCHEMATHESIS = path.join(repoRoot, '.venv', 'bin', 'schemathesis');

// A fixed seed makes the test suite's stage the same cases every run (reproducible, never flaky);
// `--seed random` explores new ones.
const { values } = parseArgs({
  options: { 'max-examples': { type: 'string', default: '20' }, seed: { type: 'string', default: '20261207' } },
});
const maxExamples = Number(values['max-examples']);
const seed = values.seed === 'random' ? String(Math.floor(Math.random() * 1e9)) : values.seed!;
if (!Number.isInteger(maxExamples) || maxExamples < 1 || !/^\d+$/.test(seed)) {
  console.error(`--max-examples must be a positive integer and --seed a number or random`);
  process.exit(2);
}
if (!existsSync(SCHEMATHESIS)) {
  console.error(`${path.relative(repoRoot, SCHEMATHESIS)} is missing: run ops/install.sh`);
  process.exit(2);
}

const orgId = `fuzz-${randomUUID().slice(0, 8)}`;
const secret = randomBytes(32).toString('base64url');
const pool = new pg.Pool({ connectionString: config.postgres.url, max: 1 });
const topics = await createTestTopics(['in']);
const children: ChildProcess[] = [];
const exits: string[] = [];
const reportDir = path.join(repoRoot, '.stack', 'fuzz', orgId);

async function start(app: typeof INGEST_APP, env: Record<string, string>, port: number): Promise<string> {
  const child = spawnApp(app, env, (error, how) => {
    // Exits we asked for (SIGTERM at the end) are expected; any other is a finding.
    if (how.signal !== 'SIGTERM') exits.push(error.message);
  });
  children.push(child);
  // Each service's warnings and errors, beside the reports, for what a failure needs explaining.
  mkdirSync(reportDir, { recursive: true });
  const log = createWriteStream(path.join(reportDir, `${app.name}.log`));
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilOk(`${url}/readyz`, 60_000);
  return url;
}

function fuzz(name: string, url: string, authorization: string): boolean {
  console.log(`\n== schemathesis: ${name} (${url}/openapi.json)`);
  mkdirSync(path.join(reportDir, name), { recursive: true });
  const result = spawnSync(
    SCHEMATHESIS,
    [
      '--config-file',
      path.join(repoRoot, 'ops', 'fuzz', `${name}.toml`),
      'run',
      `${url}/openapi.json`,
      '--header',
      `Authorization: ${authorization}`,
      '--checks',
      'all',
      '--max-examples',
      String(maxExamples),
      '--seed',
      seed,
      '--request-timeout',
      '10',
      '--report',
      'junit',
      '--report-dir',
      '.',
    ],
    // Its working directory is where it keeps its cache: the report folder, under the git-ignored .stack.
    { cwd: path.join(reportDir, name), stdio: 'inherit', env: { ...process.env, SCHEMATHESIS_HOOKS: '' } },
  );
  return result.status === 0;
}

let ok = false;
try {
  await migrate(pool);
  await upsertOrganization(pool, { id: orgId, name: orgId, ingestRatePerSec: 100_000, ingestBurst: 100_000 });
  const ingestKey = (await createIngestKey(pool, orgId, 'fuzz')).key;
  const [ingestPort, queryPort] = [await freePort(), await freePort()];
  const ingestUrl = await start(
    INGEST_APP,
    { INGEST_PORT: String(ingestPort), INGEST_TOPIC: topics.names[0]!, INGEST_SEND_TIMEOUT_MS: '2000' },
    ingestPort,
  );
  const queryUrl = await start(
    QUERY_API_APP,
    {
      QUERY_API_PORT: String(queryPort),
      QUERY_API_JWT_ALGORITHM: 'HS256',
      QUERY_API_JWT_SECRET: secret,
      QUERY_API_JWT_ISSUER: '',
      QUERY_API_JWT_AUDIENCE: '',
    },
    queryPort,
  );
  const token = signDevToken(secret, { org: orgId, sub: 'fuzzer' }, { expiresInSeconds: 600 });
  const ingestOk = fuzz('ingest', ingestUrl, `Bearer ${ingestKey}`);
  const queryOk = fuzz('query-api', queryUrl, `Bearer ${token}`);
  if (exits.length > 0) console.error(`\nA service exited during fuzzing:\n${exits.join('\n')}`);
  ok = ingestOk && queryOk && exits.length === 0;
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map(exited));
  await topics.dispose();
  await pool.query('DELETE FROM organizations WHERE id = $1', [orgId]).catch(() => undefined);
  await pool.end();
  const redis = new Redis(config.redis.url);
  const keys = await redis.keys(`tf:*${orgId}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  if (ok) rmSync(reportDir, { recursive: true, force: true });
}
console.log(ok ? '\nfuzz: both services passed' : `\nfuzz: FAILED (reports in ${path.relative(repoRoot, reportDir)})`);
process.exit(ok ? 0 : 1);
