/**
 * `npm run bench:query` end to end on the running stack, at a size that only proves the machinery: it builds two
 * small orgs with the sinks' code, starts the query API and the whole pipeline, measures every route and the
 * bare-Fastify ceiling, writes the JSON the issue asks for, and leaves nothing of its ingest org behind.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { loadConfig, repoRoot } from '../../config/index.js';
import { readCounters } from '../../processors/sinks/live-views.js';
import { TICKET_INDEX } from '../../processors/sinks/search-index.js';
import { ticketsCollection } from '../../processors/sinks/ticket-store.js';
import { removeOrgTickets } from './dataset.js';

const config = loadConfig();
const ROUTES = [
  'GET /v1/tickets/:id',
  'GET /v1/tickets',
  'GET /v1/search',
  'GET /v1/queues',
  'GET /v1/counts',
  'GET /v1/stats',
  'GET /v1/stats/sla-breaches',
];

test('a small run measures every route beside the pipeline, writes the JSON and removes its ingest org', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-query-'));
  const es = new Client({ node: config.elasticsearch.url });
  const mongo = await new MongoClient(config.mongo.url).connect();
  const redis = new Redis(config.redis.url);
  const pool = new pg.Pool({ connectionString: config.postgres.url, max: 1 });
  const stores = { es, redis };
  t.after(async () => {
    // Sizes no one else uses: the data sets are kept between runs by design, and removed here.
    await removeOrgTickets(stores, 'bench-query-151');
    await removeOrgTickets(stores, 'bench-query-41-1');
    rmSync(dir, { recursive: true, force: true });
    redis.disconnect();
    await Promise.all([pool.end(), es.close(), mongo.close()]);
  });
  const jsonFile = path.join(dir, 'results.json');
  const args = [
    ...['--tickets', '151', '--small-orgs', '1', '--small-tickets', '41', '--rebuild'],
    ...['--seconds', '2', '--warmup', '1', '--connections', '4', '--ingest-rate', '5', '--json', jsonFile],
    // One process for the eight processors: this test is about the benchmark, and so it starts in seconds.
    '--shape',
    'single',
    // A running demo's processors may be in the groups; this test checks the machinery, not the figures.
    '--share-groups',
  ];
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'loadtest/query-api.ts', ...args],
    {
      cwd: repoRoot,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 280_000,
    },
  );
  assert.match(stdout, /\| bare Fastify, fixed 2 KB body \| [\d,]+ \|/);
  assert.match(stdout, /\| GET \/v1\/tickets\/:id \| [\d,]+ \| [\d.]+ \| [\d.]+ \| 0 \| [\d,]+ \| [\d.]+ → [\d.]+ \|/);
  assert.match(stdout, /\| query-api \|( \d+ \|){8}/, 'its CPU in every column');
  assert.match(stdout, /interactions posted \([\d.]+\/s of 5\/s offered\)/);

  const json = JSON.parse(readFileSync(jsonFile, 'utf8'));
  assert.equal(json.tickets, 151);
  assert.deepEqual(
    json.routes.map((r: { route: string }) => r.route),
    ROUTES,
  );
  for (const r of json.routes) {
    assert.ok(r.readsPerSec > 0, `${r.route}: ${r.readsPerSec}/s`);
    assert.equal(r.non2xx, 0, r.route);
    assert.ok(r.p50Ms > 0 && r.p99Ms >= r.p50Ms, `${r.route}: p50 ${r.p50Ms}, p99 ${r.p99Ms}`);
    for (const name of ['query-api', 'redis', 'elasticsearch', 'processors', 'ingest', 'benchmark']) {
      assert.ok(name in r.cpuCoreShare, `${r.route}: ${name} measured`);
    }
  }
  assert.ok(json.calibration.readsPerSec > 0);
  assert.ok(json.ingest.accepted > 0 && json.ingest.refused === 0, JSON.stringify(json.ingest));
  assert.ok(json.ingest.materialized > 0, 'the pipeline materialized tickets during the reads');

  const ingestOrg: string = json.ingest.orgId;
  const { rows } = await pool.query('SELECT id FROM organizations WHERE id = $1', [ingestOrg]);
  assert.deepEqual(rows, [], 'the ingest org removed from PostgreSQL');
  assert.equal((await es.count({ index: TICKET_INDEX, query: { term: { org_id: ingestOrg } } })).count, 0);
  const tickets = ticketsCollection(mongo.db(config.mongo.database));
  assert.equal(await tickets.countDocuments({ orgId: ingestOrg }), 0, 'its tickets removed from the store');
  // The data sets stay for the next run, whole in both views.
  assert.equal((await es.count({ index: TICKET_INDEX, query: { term: { org_id: 'bench-query-151' } } })).count, 151);
  const counts = await readCounters(redis, 'bench-query-41-1');
  assert.equal(
    Object.values(counts.status).reduce((a, b) => a + b, 0),
    41,
  );
});
