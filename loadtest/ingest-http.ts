/**
 * Throughput and latency of HTTP ingest end to end: HTTP, key check, token bucket, Avro, Kafka with acks from
 * all in-sync replicas. Starts the service as its own process (as `npm run ingest` would) with an org whose
 * rate limit is out of the way, drives it from this process with N concurrent keep-alive connections for a
 * fixed time per scenario, and prints a markdown table. Needs a running, migrated stack.
 *
 *   npx tsx loadtest/ingest-http.ts [--concurrency 50] [--seconds 10] [--batch 50]
 *
 * Load generator and service share the machine, so the figures are a floor for the service alone.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig, repoRoot, type Config } from '../config/index.js';
import { freePort, waitUntilOk } from '../ops/net.js';
import { createTestTopics } from '../processors/testing/kafka-kit.js';
import { createUnthrottledOrg } from './bench-org.js';
import { percentile } from './stats.js';

interface Scenario {
  readonly name: string;
  readonly path: string;
  readonly eventsPerRequest: number;
  body(seq: number): string;
  headers?(seq: number): Record<string, string>;
}

export interface Result {
  readonly scenario: Scenario;
  readonly seconds: number;
  readonly latenciesMs: number[];
  readonly statuses: Map<number, number>;
}

const interaction = (seq: number) => ({
  conversationId: `load-${seq % 1000}`,
  channel: 'CHAT',
  customer: { customerId: `customer-${seq % 5000}` },
  body: `Hello, my order #${seq} has not arrived yet and the tracking page shows no update since Monday.`,
  localeHint: 'en-GB',
});

function scenarios(batch: number): Scenario[] {
  return [
    {
      name: 'POST /v1/interactions',
      path: '/v1/interactions',
      eventsPerRequest: 1,
      body: (s) => JSON.stringify(interaction(s)),
    },
    {
      name: 'POST /v1/interactions with Idempotency-Key',
      path: '/v1/interactions',
      eventsPerRequest: 1,
      body: (s) => JSON.stringify(interaction(s)),
      headers: () => ({ 'idempotency-key': randomUUID() }),
    },
    {
      name: `POST /v1/interactions/batch (${batch} items)`,
      path: '/v1/interactions/batch',
      eventsPerRequest: batch,
      body: (s) =>
        JSON.stringify({ interactions: Array.from({ length: batch }, (_, i) => interaction(s * batch + i)) }),
    },
  ];
}

function post(
  agent: http.Agent,
  base: URL,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function run(base: URL, key: string, scenario: Scenario, concurrency: number, seconds: number): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latenciesMs: number[] = [];
  const statuses = new Map<number, number>();
  let seq = 0;
  const started = performance.now();
  const endAt = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < endAt) {
      const n = seq++;
      const headers = { authorization: `Bearer ${key}`, ...(scenario.headers?.(n) ?? {}) };
      const body = scenario.body(n);
      const t0 = performance.now();
      const status = await post(agent, base, scenario.path, body, headers).catch(() => 0);
      latenciesMs.push(performance.now() - t0);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return { scenario, seconds: elapsed, latenciesMs, statuses };
}

function table(results: Result[], concurrency: number): string {
  const lines = [
    `| scenario (concurrency ${concurrency}) | requests | requests/s | events/s | p50 ms | p99 ms | max ms | statuses |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const { scenario, seconds, latenciesMs, statuses } of results) {
    const sorted = [...latenciesMs].sort((a, b) => a - b);
    const ok = statuses.get(202) ?? 0;
    const fmt = (n: number, digits = 0) =>
      n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
    lines.push(
      `| ${scenario.name} | ${fmt(latenciesMs.length)} | ${fmt(latenciesMs.length / seconds)} | ${fmt((ok * scenario.eventsPerRequest) / seconds)} | ` +
        `${fmt(percentile(sorted, 50), 1)} | ${fmt(percentile(sorted, 99), 1)} | ${fmt(sorted.at(-1) ?? NaN, 1)} | ` +
        `${[...statuses].map(([status, count]) => `${status}: ${count}`).join(', ')} |`,
    );
  }
  return lines.join('\n');
}

/** The org, its keys, and its buckets and tens of thousands of idempotency records, which would stay a day. */
async function removeOrg(config: Config, orgId: string): Promise<void> {
  const cleanup = new pg.Pool({ connectionString: config.postgres.url, max: 1 });
  await cleanup.query('DELETE FROM organizations WHERE id = $1', [orgId]).finally(() => cleanup.end());
  const redis = new Redis(config.redis.url);
  try {
    for await (const keys of redis.scanStream({ match: `tf:ingest:*:${orgId}*`, count: 1000 })) {
      if ((keys as string[]).length) await redis.unlink(...(keys as string[]));
    }
  } finally {
    redis.disconnect();
  }
}

export interface IngestBenchmarkOptions {
  concurrency: number;
  seconds: number;
  batch: number;
  log?: (line: string) => void;
}

/** Starts the ingest service with a throwaway org, runs every scenario, cleans up, and returns the results. */
export async function runIngestBenchmark(
  options: IngestBenchmarkOptions,
  config: Config = loadConfig(),
): Promise<Result[]> {
  const { concurrency, seconds, batch } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  const orgId = `loadtest-${randomUUID().slice(0, 8)}`;
  const key = await createUnthrottledOrg(config, orgId, 'load test');

  // Hundreds of thousands of events on the pipeline's own topic would become hours of work for every group
  // reading it (a running demo's among them); a topic of the benchmark's own has the same partitions.
  const topic = await createTestTopics(['ingest'], 'InteractionReceived', 12);
  const port = await freePort();
  const base = new URL(`http://127.0.0.1:${port}`);
  const service = spawn(process.execPath, ['--import', 'tsx', 'connectors/http-ingest/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, INGEST_PORT: String(port), INGEST_TOPIC: topic.names[0]!, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    await waitUntilOk(`${base.origin}/readyz`, 30_000);
    log(`ingest on ${base.origin}, org ${orgId}; ${seconds} s per scenario at concurrency ${concurrency}`);
    // Warm-up: JIT, connections, the registry's schema id.
    await run(base, key, scenarios(batch)[0]!, concurrency, 2);
    const results: Result[] = [];
    for (const scenario of scenarios(batch)) {
      results.push(await run(base, key, scenario, concurrency, seconds));
      log(`  done: ${scenario.name}`);
    }
    return results;
  } finally {
    service.kill('SIGTERM');
    await new Promise((resolve) => service.once('exit', resolve));
    await removeOrg(config, orgId);
    await topic.dispose();
  }
}

/** Requests, events and latency of one scenario, for tables that put ingest beside other measurements. */
export function summarize({ scenario, seconds, latenciesMs, statuses }: Result) {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    name: scenario.name,
    requestsPerSec: latenciesMs.length / seconds,
    eventsPerSec: ((statuses.get(202) ?? 0) * scenario.eventsPerRequest) / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      concurrency: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '10' },
      batch: { type: 'string', default: '50' },
    },
  });
  const concurrency = Number(values.concurrency);
  const results = await runIngestBenchmark({
    concurrency,
    seconds: Number(values.seconds),
    batch: Number(values.batch),
  });
  console.log(`\n${table(results, concurrency)}`);
}
