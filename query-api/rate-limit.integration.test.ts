/**
 * The query API's request limits on the stack's Redis and PostgreSQL: shared by instances, one user unable to
 * starve another of the same org, an org's own limits from PostgreSQL, and what happens while Redis is away.
 * The search index is a stand-in (every ticket is missing: 404), as only the limits are under test here; while
 * Redis is away the detail route asks it instead of the live views.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig, repoRoot, type QueryRateLimits } from '../config/index.js';
import { upsertOrganization } from '../ops/db/ingest-keys.js';
import { migrate } from '../ops/db/migrate.js';
import { buildQueryApp } from './app.js';
import { createJwtVerifier, signDevToken } from './jwt.js';
import { createQueryApiMetrics, type QueryApiMetrics } from './metrics.js';
import {
  createLimitOverridesLookup,
  LimitSettingsError,
  saveLimitOverrides,
  UnknownOrganizationError,
} from './rate-limit-settings.js';
import { bucketKey, RedisRequestLimiter, takeRequest, type BucketState } from './rate-limit.js';
import { V1_ENDPOINTS } from './routes/schemas.js';

const config = loadConfig();
const SECRET = 'integration-test-secret-long-enough-0000';
const run = randomUUID().slice(0, 8);
const ORG = `it-limits-${run}`;
const pool = new pg.Pool({ connectionString: config.postgres.url, max: 2 });
const redises: Redis[] = [];
const apps: FastifyInstance[] = [];
const noTickets = { get: async () => ({ found: false }) } as unknown as Client;

/** A client as main.ts makes it; for the stack's Redis, once it is connected, so no first command falls back. */
async function redis(url = config.redis.url): Promise<Redis> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  client.on('error', () => undefined);
  redises.push(client);
  if (url === config.redis.url) await new Promise((resolve) => client.once('ready', resolve));
  return client;
}

async function app(
  rateLimits: QueryRateLimits,
  options: { redis?: Redis; metrics?: QueryApiMetrics; overrides?: boolean } = {},
): Promise<FastifyInstance> {
  const instance = await buildQueryApp({
    config: { ...config.queryApi, rateLimits },
    es: noTickets,
    redis: options.redis ?? (await redis()),
    verify: createJwtVerifier({ algorithm: 'HS256', secret: SECRET }),
    version: 'test',
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.overrides ? { limitOverrides: createLimitOverridesLookup({ db: pool, ttlMs: 0 }) } : {}),
  });
  apps.push(instance);
  return instance;
}

const token = (sub: string, org = ORG) => signDevToken(SECRET, { org, sub });
const get = (instance: FastifyInstance, sub: string, url = '/v1/tickets/T-1') =>
  instance.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token(sub)}` } });

before(async () => {
  await migrate(pool);
  await upsertOrganization(pool, { id: ORG, name: 'Limits IT' });
});

after(async () => {
  await Promise.all(apps.map((a) => a.close()));
  await pool.query('DELETE FROM organizations WHERE id = $1', [ORG]);
  await pool.end();
  const keys = await redises[0]!.keys(`tf:query:limit:*:${ORG}*`);
  if (keys.length > 0) await redises[0]!.del(...keys);
  redises.forEach((r) => r.disconnect());
});

test('the Lua script and takeRequest agree, step by step, on the Redis server', async () => {
  let now = 1_000_000;
  const limiter = new RedisRequestLimiter(await redis(), { nowMs: () => now, redisTimeoutMs: 5000 });
  const limits = [
    { scope: 'org' as const, key: bucketKey('org', ORG, 'lua'), perMinute: 4 },
    { scope: 'user' as const, key: bucketKey('user', ORG, 'lua'), perMinute: 2 },
  ];
  let states: Array<BucketState | undefined> = [undefined, undefined];
  for (const step of [0, 0, 0, 10_000, 20_000, 0, 90_000]) {
    now += step;
    const expected = takeRequest(states, [4, 2], now);
    states = expected.tokens.map((tokens) => ({ tokens, atMs: now }));
    const got = await limiter.take(limits);
    assert.equal(got.local, false);
    assert.equal(got.allowed, expected.allowed, `at +${now - 1_000_000} ms`);
    assert.equal(got.remaining, Math.floor(Math.min(...expected.tokens)));
  }
});

test('limits are shared by instances, and one noisy user does not starve another user of the same org', async () => {
  const limits = { org: 100, user: 5, orgEndpoints: {}, userEndpoints: {} };
  const [one, two] = [await app(limits), await app(limits)];
  const noisy: number[] = [];
  // The noisy dashboard's requests alternate between two instances, as behind a load balancer.
  for (let i = 0; i < 8; i++) noisy.push((await get(i % 2 ? two : one, 'noisy')).statusCode);
  assert.deepEqual(noisy, [404, 404, 404, 404, 404, 429, 429, 429], 'five in all, not five per instance');
  const refused = await get(one, 'noisy');
  assert.ok(Number(refused.headers['retry-after']) >= 1);
  assert.equal(refused.headers['ratelimit-remaining'], '0');
  const colleague = await get(two, 'colleague');
  assert.equal(colleague.statusCode, 404, 'served');
  assert.equal(colleague.headers['ratelimit-limit'], '5');
  assert.equal(colleague.headers['ratelimit-remaining'], '4');
});

test("an org's own limits from PostgreSQL replace the defaults, validated like the CLI's", async () => {
  await assert.rejects(
    saveLimitOverrides(pool, ORG, { user: 0, userEndpoints: { '/v1/nope': 3 } }, V1_ENDPOINTS),
    (e: unknown) => e instanceof LimitSettingsError && e.problems.length === 2,
  );
  await assert.rejects(saveLimitOverrides(pool, `nobody-${run}`, { user: 3 }, V1_ENDPOINTS), UnknownOrganizationError);
  const saved = await saveLimitOverrides(pool, ORG, { user: 2, userEndpoints: { '/v1/search': 1 } }, V1_ENDPOINTS);
  assert.deepEqual(saved, { user: 2, orgEndpoints: {}, userEndpoints: { '/v1/search': 1 } });
  const instance = await app({ org: 100, user: 50, orgEndpoints: {}, userEndpoints: {} }, { overrides: true });
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await get(instance, 'overridden')).statusCode);
  assert.deepEqual(statuses, [404, 404, 429]);
  assert.match((await get(instance, 'overridden')).json().message, /each user may make 2 requests per minute/);
  const reset = await saveLimitOverrides(
    pool,
    ORG,
    { user: null, userEndpoints: { '/v1/search': null } },
    V1_ENDPOINTS,
  );
  assert.deepEqual(reset, { orgEndpoints: {}, userEndpoints: {} });
  const afterReset = await get(instance, 'after-reset');
  assert.equal(afterReset.statusCode, 404);
  assert.equal(afterReset.headers['ratelimit-limit'], '50', 'back to the default');
});

test('while Redis is away requests are served, limited in each instance, and the fallback is counted', async () => {
  const metrics = createQueryApiMetrics();
  // Nothing listens on port 1: every command fails at once, as with Redis down.
  const instance = await app(
    { org: 100, user: 3, orgEndpoints: {}, userEndpoints: {} },
    { redis: await redis('redis://127.0.0.1:1'), metrics },
  );
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await get(instance, 'offline')).statusCode);
  assert.deepEqual(statuses, [404, 404, 404, 429], 'served, and still limited');
  const fallbacks = /ticketflow_query_rate_limit_fallbacks_total\{[^}]*\} (\d+)/.exec(await metrics.registry.metrics());
  assert.equal(Number(fallbacks?.[1]), 4);
  const throttled = await metrics.registry.metrics();
  assert.match(
    throttled,
    /ticketflow_query_rate_limited_total\{scope="user",endpoint="\/v1\/tickets\/\{id\}"[^}]*\} 1/,
  );
});

test('db:migrate set-query-limits stores limits, prints them as applied, and refuses bad ones naming the flag', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'ops/db/cli.ts', 'set-query-limits', ORG, ...args], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
  const saved = cli('--user-per-minute', '20', '--user-endpoint', '/v1/tickets=25');
  assert.equal(saved.status, 0, saved.stderr);
  assert.match(saved.stdout, /--user-per-minute {3}20\n/);
  assert.match(saved.stdout, /--org-per-minute {4}\d+ \(default\)/);
  assert.match(saved.stdout, /--user-endpoint {5}.*\/v1\/tickets=25/);
  const refused = cli('--org-per-minute', '0', '--user-endpoint', '/v1/nope=3');
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /--org-per-minute must be a whole number of requests per minute from 1 to/);
  assert.match(refused.stderr, /--user-endpoint \/v1\/nope is not an endpoint of the query API/);
});
