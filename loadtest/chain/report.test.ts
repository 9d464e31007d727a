import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChainOptions } from './options.js';
import { benchOrgs } from './orgs.js';
import type { PhaseResult } from './phase.js';
import type { PipelineReport } from './pipeline-run.js';
import { chainJson, chainTables, targetChecks, type ChainResults } from './report.js';

const percentiles = (p50: number, p99: number) => ({ p50Ms: p50, p90Ms: p99, p99Ms: p99, maxMs: p99 });

function phase(name: string, overrides: Partial<PhaseResult>): PhaseResult {
  const poll = { queries: 10, ids: 100, p50Ms: 3, p99Ms: 9 };
  return {
    name,
    interactions: 1000,
    accepted: 1000,
    refused: {},
    visible: 1000,
    lost: 0,
    deadLettered: {},
    lostAt: {},
    duplicated: 0,
    targetPerSec: null,
    postedPerSec: 5000,
    perSec: 400,
    seconds: 2.5,
    latency: percentiles(900, 2000),
    hops: [{ name: 'end to end', what: 'POST → visible', ...percentiles(900, 2000) }],
    posterLateP99Ms: 1,
    redelivered: 0,
    sent: {
      orgs: { 'bench-x-northwind': 500, 'bench-x-iberia': 500 },
      languages: { en: 800, es: 200 },
      channels: { CHAT: 1000 },
      lengths: { short: 1000 },
      intents: 50,
      outOfScope: 40,
      withPii: 250,
      upset: 100,
      bodyChars: percentiles(140, 600),
    },
    outcome: { intents: 60, outOfScope: 100, autoReplied: 200, citing: 300, languages: { en: 800, es: 200 } },
    processes: [
      { name: 'kafka', kind: 'server', pid: 1, members: 1, cpuSeconds: 3, peakRssMb: 700 },
      { name: 'enrich', kind: 'node', pid: 2, members: 1, cpuSeconds: 1, peakRssMb: 120 },
      { name: 'benchmark', kind: 'benchmark', pid: 3, members: 1, cpuSeconds: 0.5, peakRssMb: 150 },
    ],
    machine: { busyCpuSeconds: 5, cpuSecondsAvailable: 6, loadAtStart: 1, loadMax: 2 },
    polls: { mongo: poll, search: poll, redis: poll },
    ...overrides,
  };
}

function results(steady: Partial<PhaseResult>): ChainResults {
  const orgs = benchOrgs('x', 2, 0.5).map((o) => ({ ...o, keying: 'org', chunks: 12 }));
  const pipeline: PipelineReport = {
    runId: 'x',
    shape: 'per-group',
    orgs,
    sharedWith: [],
    lagBefore: {},
    unwatched: [],
    pollIntervalMs: 50,
    warmup: phase('warm-up', {}),
    burst: phase('burst', {}),
    steady: phase('steady', { targetPerSec: 300, perSec: 287.5, latency: percentiles(120, 450), ...steady }),
    integrity: {
      duplicatedByPhase: {},
      findings: [],
      mongoTickets: 0,
      searchDocuments: 0,
      redisTickets: 0,
      accepted: 0,
    },
  };
  return {
    options: parseChainOptions([]),
    cores: 2,
    loadBefore: [1, 2, 3],
    kafka: {
      partitions: 12,
      records: 1000,
      recordSize: 1024,
      producer: { recordsPerSec: 80_000, mbPerSec: 78, avgLatencyMs: 9, p99LatencyMs: 70 },
      consumer: { recordsPerSec: 1, mbPerSec: 1, groupJoinMs: 1 },
    },
    passthrough: {
      stages: 5,
      batch: true,
      burst: { events: 20_000, seconds: 2, eventsPerSec: 10_000, p50Ms: 900, p99Ms: 1800 },
      steady: { rate: 300, achievedPerSec: 299.1, events: 6000, p50Ms: 20, p99Ms: 60 },
    },
    pipeline,
  };
}

test('the JSON has every key the issue asks for', () => {
  const json = chainJson(results({}));
  assert.equal(json.kafkaCeiling.recordsPerSec, 80_000);
  assert.equal(json.passthrough.burstPerSec, 10_000);
  const { burst, steady } = json.pipeline;
  for (const key of ['interactions', 'perSec', 'p50Ms', 'p99Ms', 'lost', 'duplicated']) {
    assert.equal(typeof (burst as Record<string, unknown>)[key], 'number', `pipeline.burst.${key}`);
  }
  for (const key of ['targetPerSec', 'achievedPerSec', 'p50Ms', 'p99Ms', 'lost', 'duplicated']) {
    assert.equal(typeof (steady as Record<string, unknown>)[key], 'number', `pipeline.steady.${key}`);
  }
  assert.equal(steady.targetPerSec, 300);
  assert.equal(steady.achievedPerSec, 287.5);
  for (const p of json.processes) {
    assert.equal(typeof p.name, 'string');
    assert.equal(typeof p.cpuSeconds, 'number');
    assert.equal(typeof p.peakRssMb, 'number');
  }
  assert.equal(json.processes.find((p) => p.name === 'kafka')!.cpuSeconds, 6, 'CPU of the burst and steady phases');
  assert.deepEqual(JSON.parse(JSON.stringify(json)).pipeline.steady.targetPerSec, 300);
});

test('the table prints the achieved steady rate, never the target as a result', () => {
  const table = chainTables(results({}));
  const row = table.split('\n').find((line) => line.startsWith('| pipeline (per-group), 300/s for 60 s offered'))!;
  assert.ok(row, table);
  const cells = row.split('|').map((c) => c.trim());
  assert.equal(cells[2], '287.5');
  assert.match(table, /\| Kafka producer perf tool, 12 partitions, 1024 B, acks=all \| 80,000 \| 1\.0000 \|/);
  assert.match(table, /Machine: 2 cores; load average before the run 1\.00 \/ 2\.00 \/ 3\.00/);
});

test('targets hold or not as measured', () => {
  const holding = targetChecks(results({}));
  assert.deepEqual(
    holding.map((t) => t.holds),
    [false, true, true, false, true, true],
    JSON.stringify(holding, null, 1),
  );
  const keepingUp = targetChecks(results({ perSec: 299, latency: percentiles(100, 650) }));
  assert.equal(keepingUp[2]!.holds, false, 'p99 over 500 ms');
  assert.equal(keepingUp[3]!.holds, true, 'achieved 299 of 300');
  const lossy = targetChecks(results({ perSec: 299, lost: 1 }));
  assert.equal(lossy[3]!.holds, false);
});
