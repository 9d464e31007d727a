/**
 * `npm run bench:chain` end to end on the running stack, at a size that only proves the machinery: it starts
 * its own ingest and processors, gets every interaction visible in all three stores, measures the processes,
 * writes the JSON the issue asks for, and leaves nothing of its orgs behind.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Client } from '@elastic/elasticsearch';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { loadConfig, repoRoot } from '../../config/index.js';
import { TICKET_INDEX } from '../../processors/sinks/search-index.js';

const config = loadConfig();

test('a small run reaches all three stores, reports every process, writes the JSON and cleans up', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-chain-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const jsonFile = path.join(dir, 'results.json');
  const args = [
    ...['--shape', 'single', '--orgs', '2', '--warmup', '10', '--burst', '40', '--rate', '10', '--seconds', '2'],
    ...['--raw-records', '0', '--passthrough-burst', '0', '--json', jsonFile],
    // The stack's own apps may be running here; this test is about the benchmark, not about who does the work.
    '--share-groups',
  ];
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'loadtest/full-chain.ts', ...args],
    { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024, timeout: 280_000 },
  );
  assert.match(stdout, /\| pipeline \(single\), burst of 40 interactions \| [\d,.]+ \| - \|/);
  assert.match(stdout, /\| pipeline \(single\), 10\/s for 2 s offered: achieved \|/);
  assert.match(stdout, /Visibility is polled every 50 ms/);
  assert.match(stdout, /Machine: \d+ cores; load average before the run/);

  const json = JSON.parse(readFileSync(jsonFile, 'utf8'));
  assert.equal(json.kafkaCeiling.recordsPerSec, null, 'skipped');
  assert.equal(json.passthrough.burstPerSec, null, 'skipped');
  const { burst, steady } = json.pipeline;
  assert.equal(burst.interactions, 40);
  assert.equal(burst.visible, 40, JSON.stringify(burst.lostAt));
  assert.deepEqual([burst.lost, burst.duplicated, steady.lost, steady.duplicated], [0, 0, 0, 0]);
  assert.equal(steady.targetPerSec, 10);
  assert.ok(steady.achievedPerSec > 0 && steady.achievedPerSec <= 10.5, `achieved ${steady.achievedPerSec}/s`);
  assert.ok(burst.p50Ms > 0 && burst.p99Ms >= burst.p50Ms);
  const names = json.processes.map((p: { name: string }) => p.name);
  for (const name of ['kafka', 'elasticsearch', 'mongo', 'postgres', 'redis', 'schema-registry']) {
    assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
  }
  for (const name of ['ingest', 'processors', 'benchmark']) assert.ok(names.includes(name), name);
  const kafka = json.processes.find((p: { name: string }) => p.name === 'kafka');
  assert.ok(kafka.cpuSeconds > 0 && kafka.peakRssMb > 50, JSON.stringify(kafka));

  const orgIds: string[] = json.pipeline.orgs.map((o: { id: string }) => o.id);
  assert.equal(orgIds.length, 2);
  const pool = new pg.Pool({ connectionString: config.postgres.url, max: 1 });
  const es = new Client({ node: config.elasticsearch.url });
  const mongo = new MongoClient(config.mongo.url);
  try {
    const { rows } = await pool.query('SELECT id FROM organizations WHERE id = ANY($1)', [orgIds]);
    assert.deepEqual(rows, [], 'orgs, customers and keys removed');
    const left = await es.count({ index: TICKET_INDEX, query: { terms: { org_id: orgIds } } });
    assert.equal(left.count, 0, 'search documents removed');
    const tickets = await mongo
      .db(config.mongo.database)
      .collection('tickets')
      .countDocuments({ orgId: { $in: orgIds } });
    assert.equal(tickets, 0, 'tickets removed');
  } finally {
    await Promise.all([pool.end(), es.close(), mongo.close()]);
  }
});
