/**
 * `npm run bench:query`: the query API under read load, every route in turn, while the real pipeline ingests.
 *
 *   npm run bench:query -- [--tickets 100000] [--seconds 10] [--connections 32] [--ingest-rate 100]
 *     [--small-orgs 3] [--small-tickets 2000] [--warmup 2] [--routes detail,list,...] [--rebuild] [--json out.json]
 *
 * 1. The data: an org of `--tickets` tickets (100,000) and `--small-orgs` smaller ones, built once through the
 *    sinks' own code into the ticket store, the search index and the live views, and reused by later runs
 *    (loadtest/query-dataset.ts says how and why).
 * 2. The processes, each from its main as deployed: the query API, its request limits raised out of the way by
 *    its own environment variables (QUERY_API_RATE_LIMIT_PER_MINUTE and the others), and unless
 *    `--ingest-rate 0`, HTTP ingest with the five stages and the three sinks, fed `--ingest-rate` interactions a
 *    second for a throwaway org (removed afterwards) for the whole run, so reads share the machine, the search
 *    index and Redis with a working pipeline. Measuring starts once the first of those tickets is readable.
 * 3. Each route for `--seconds` (after `--warmup`) over `--connections` keep-alive connections
 *    (loadtest/http-load.ts), as 20 users of the big org: reads/s, p50 and p99 latency, answers other than 2xx.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import type { ChildProcess } from 'node:child_process';
import { loadConfig } from '../config/index.js';
import { freePort, waitUntilOk } from '../ops/net.js';
import { INGEST_APP, PROCESSOR_APPS, QUERY_API_APP, type AppSpec } from '../ops/stack/apps.js';
import { readCounters } from '../processors/sinks/live-views.js';
import { spawnApp } from '../processors/testing/kafka-kit.js';
import { signDevToken } from '../query-api/jwt.js';
import { createBenchOrg, removeBenchOrg } from './bench-org.js';
import { machineCpuMs, ownCpuMs, processTreeCpuMs, stackServicePid } from './cpu.js';
import { percentileOf, runLoad, type LoadRequest } from './http-load.js';
import {
  benchIntents,
  benchQueues,
  BENCH_PRIORITIES,
  ensureBenchOrg,
  SEARCH_WORDS,
  type BenchOrg,
} from './query-dataset.js';
import { markdownTable, round } from './stats.js';

const { values } = parseArgs({
  options: {
    tickets: { type: 'string', default: '100000' },
    'small-orgs': { type: 'string', default: '3' },
    'small-tickets': { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    'ingest-rate': { type: 'string', default: '100' },
    routes: { type: 'string' },
    rebuild: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const flag = (name: keyof typeof values, min = 1) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be an integer of at least ${min}, got ${values[name]}`);
  return n;
};
const tickets = flag('tickets');
const smallOrgs = flag('small-orgs', 0);
const smallTickets = flag('small-tickets');
const seconds = flag('seconds');
const warmup = flag('warmup', 0);
const connections = flag('connections');
const ingestRate = flag('ingest-rate', 0);

const config = loadConfig();
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');

interface Route {
  readonly key: string;
  readonly route: string;
  readonly wantBody?: boolean;
  readonly next: (org: BenchOrg, draw: () => number, previous: { status: number; body: string } | null) => string;
}

const pick = <T>(items: readonly T[], draw: () => number) => items[Math.floor(draw() * items.length)]!;

/** A filtered list walk: one filter (now and then two), its next pages followed up to a few deep. */
function listPath(
  previous: { status: number; body: string } | null,
  draw: () => number,
  state: { depth: number; base: string },
) {
  if (previous?.status === 200 && state.depth < 3) {
    const { nextCursor } = JSON.parse(previous.body) as { nextCursor: string | null };
    if (nextCursor) {
      state.depth++;
      return `${state.base}&cursor=${nextCursor}`;
    }
  }
  const filters = [
    () => `status=${pick(['open', 'pending', 'auto_replied', 'resolved'], draw)}`,
    () => `queue=${encodeURIComponent(pick(benchQueues(), draw))}`,
    () => `priority=${pick(BENCH_PRIORITIES, draw)}`,
    () => `intent=${encodeURIComponent(pick(benchIntents(), draw))}`,
    () => `status=open&priority=${pick(BENCH_PRIORITIES, draw)}`,
  ];
  state.depth = 0;
  state.base = `/v1/tickets?${pick(filters, draw)()}&limit=20`;
  return state.base;
}

const ROUTES: Route[] = [
  {
    key: 'detail',
    route: 'GET /v1/tickets/:id',
    next: (org, draw) => `/v1/tickets/${org.ticketIds(Math.floor(draw() * org.tickets))}`,
  },
  { key: 'list', route: 'GET /v1/tickets', wantBody: true, next: () => '' /* set per connection below */ },
  {
    key: 'search',
    route: 'GET /v1/search',
    next: (_, draw) => `/v1/search?q=${encodeURIComponent(pick(SEARCH_WORDS, draw))}`,
  },
  { key: 'queues', route: 'GET /v1/queues', next: () => '/v1/queues' },
  { key: 'counts', route: 'GET /v1/counts', next: () => '/v1/counts' },
  {
    key: 'stats',
    route: 'GET /v1/stats',
    // The last day, week or fortnight of the data set.
    next: (org, draw) => `/v1/stats?from=${org.to - pick([1, 7, 14], draw) * 86_400_000}&to=${org.to}`,
  },
  {
    key: 'sla',
    route: 'GET /v1/stats/sla-breaches',
    next: (_, draw) => `/v1/stats/sla-breaches?hours=${pick([24, 168, 720], draw)}`,
  },
];

const selected = values.routes ? values.routes.split(',').map((s) => s.trim()) : ROUTES.map((r) => r.key);
for (const key of selected) {
  if (!ROUTES.some((r) => r.key === key))
    throw new Error(`--routes: unknown ${key} (${ROUTES.map((r) => r.key).join(', ')})`);
}

/** Everything this run started, stopped at the end whatever happens. */
const children: ChildProcess[] = [];
let failure: Error | null = null;
let stopping = false;
function start(app: AppSpec, env: Record<string, string>): ChildProcess {
  const child = spawnApp(
    app,
    { KAFKA_CLIENT_ID: 'ticketflow-bench-query', PROCESSOR_INSTANCE_ID: `bench-query-${app.name}`, ...env },
    (error, how) => {
      if (!stopping || (how.code !== 0 && how.signal !== 'SIGTERM')) failure ??= error;
    },
  );
  children.push(child);
  return child;
}
async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const stuck = setTimeout(() => child.kill('SIGKILL'), 30_000);
          child.once('exit', () => resolve(clearTimeout(stuck)));
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** Posts interactions for the ingest org at a fixed rate (open loop) until stopped. */
function startIngest(url: URL, key: string, rate: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const stats = { posted: 0, accepted: 0, refused: 0 };
  const bodies = [
    'I think I lost my debit card on the bus this morning, can you block it please?',
    'My bank transfer has been pending for three days. Is something wrong with it?',
    'I was charged twice for the same order at an online shop. Can you refund one of them?',
    'I forgot my password and the reset email never arrives. I checked the spam folder too.',
  ];
  const began = performance.now();
  let stopped = false;
  const loop = (async () => {
    for (let n = 0; !stopped; n++) {
      const wait = began + (n / rate) * 1000 - performance.now();
      if (wait > 1) await sleep(wait);
      const body = JSON.stringify({
        conversationId: `bench-query-${randomUUID()}`,
        channel: 'CHAT',
        customer: { customerId: `customer-${n % 200}` },
        body: bodies[n % bodies.length],
      });
      stats.posted++;
      const request = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: '/v1/interactions',
          method: 'POST',
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (response) => {
          response.resume();
          if (response.statusCode === 202) stats.accepted++;
          else stats.refused++;
        },
      );
      request.on('error', () => stats.refused++);
      request.end(body);
    }
  })();
  return {
    stats,
    seconds: () => (performance.now() - began) / 1000,
    async stop() {
      stopped = true;
      await loop;
      agent.destroy();
    },
  };
}

const mongo = new MongoClient(config.mongo.url, { serverSelectionTimeoutMS: 5000, appName: 'ticketflow-bench-query' });
const es = new Client({ node: config.elasticsearch.url, requestTimeout: 120_000 });
const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 3 });
let ingestOrg: string | null = null;
let ingest: ReturnType<typeof startIngest> | null = null;
const interrupted = (signal: string) => (failure ??= new Error(`interrupted by ${signal}`));
process.once('SIGINT', interrupted).once('SIGTERM', interrupted);

try {
  log(`machine: ${cpus().length} cores, load average ${load()}`);
  await mongo.connect();
  const stores = { db: mongo.db(config.mongo.database), es, redis };
  const big = await ensureBenchOrg(stores, 'bench-query-big', tickets, { rebuild: values.rebuild, log });
  log(
    `${big.orgId}: ${big.tickets.toLocaleString('en-US')} tickets ${big.built ? `built in ${Math.round(big.buildSeconds)} s` : 'reused'}`,
  );
  for (let k = 1; k <= smallOrgs; k++) {
    const small = await ensureBenchOrg(stores, `bench-query-small-${k}`, smallTickets, {
      rebuild: values.rebuild,
      log,
    });
    if (!small.built) log(`${small.orgId}: ${small.tickets.toLocaleString('en-US')} tickets reused`);
  }

  const secret = randomBytes(32).toString('base64url');
  const apiPort = await freePort();
  const api = start(QUERY_API_APP, {
    QUERY_API_PORT: String(apiPort),
    QUERY_API_JWT_ALGORITHM: 'HS256',
    QUERY_API_JWT_SECRET: secret,
    QUERY_API_JWT_ISSUER: '',
    QUERY_API_JWT_AUDIENCE: '',
    // The benchmark measures reads, not the request limits: every bucket far above what it can send.
    QUERY_API_RATE_LIMIT_PER_MINUTE: '10000000',
    QUERY_API_USER_RATE_LIMIT_PER_MINUTE: '10000000',
    QUERY_API_ENDPOINT_RATE_LIMITS: '',
    QUERY_API_USER_ENDPOINT_RATE_LIMITS: '',
  });
  await waitUntilOk(`http://127.0.0.1:${apiPort}/readyz`, 90_000);
  log(`query API on port ${apiPort}`);

  if (ingestRate > 0) {
    const ingestPort = await freePort();
    start(INGEST_APP, { INGEST_PORT: String(ingestPort) });
    for (const app of PROCESSOR_APPS) start(app, {});
    await waitUntilOk(`http://127.0.0.1:${ingestPort}/readyz`, 90_000);
    ingestOrg = `bench-query-ingest-${randomUUID().slice(0, 8)}`;
    const { key } = await createBenchOrg(config, es, ingestOrg);
    ingest = startIngest(new URL(`http://127.0.0.1:${ingestPort}`), key, ingestRate);
    log(`ingest: ${ingestRate} interactions/s for ${ingestOrg} through ingest, 5 stages and 3 sinks`);
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (failure) throw failure;
      const counts = await readCounters(redis, ingestOrg);
      if (Object.values(counts.status).some((n) => n > 0)) break;
      if (Date.now() > deadline) throw new Error('no ingested ticket reached the live views within 180 s');
      await sleep(500);
    }
    log(`the pipeline materializes the ingested tickets; measuring (load average ${load()})`);
  }

  const users = Array.from({ length: 20 }, (_, i) =>
    signDevToken(secret, { org: big.orgId, sub: `bench-user-${i}` }, { expiresInSeconds: 3600 }),
  );
  const results: Array<{
    route: string;
    requests: number;
    readsPerSec: number;
    p50Ms: number;
    p99Ms: number;
    non2xx: number;
    errors: number;
  }> = [];
  for (const route of ROUTES.filter((r) => selected.includes(r.key))) {
    if (failure) throw failure;
    let seed = 12345;
    const draw = () => (seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0) / 4_294_967_296;
    const walks = Array.from({ length: connections }, () => ({ depth: 0, base: '' }));
    const cpuBefore = cpuNow();
    const result = await runLoad({
      host: '127.0.0.1',
      port: apiPort,
      connections,
      warmupMs: warmup * 1000,
      durationMs: seconds * 1000,
      wantBody: route.wantBody ?? false,
      next: (connection, previous): LoadRequest => ({
        path: route.key === 'list' ? listPath(previous, draw, walks[connection]!) : route.next(big, draw, previous),
        headers: { authorization: `Bearer ${users[connection % users.length]}` },
      }),
    });
    // Over the warm-up and the measured seconds alike, divided by the requests answered in both.
    const cpuAfter = cpuNow();
    const answered = result.requests * ((warmup + seconds) / seconds);
    const perRequest = (k: keyof typeof cpuAfter) => Math.round(((cpuAfter[k] - cpuBefore[k]) * 1000) / answered);
    const row = {
      route: route.route,
      requests: result.requests,
      readsPerSec: Math.round(result.perSecond),
      p50Ms: Number(percentileOf(result.latenciesMs, 50).toFixed(2)),
      p99Ms: Number(percentileOf(result.latenciesMs, 99).toFixed(2)),
      non2xx: result.non2xx,
      errors: result.errors,
      cpuUs: {
        api: perRequest('api'),
        redis: perRequest('redis'),
        elasticsearch: perRequest('elasticsearch'),
        generator: perRequest('generator'),
        machine: perRequest('machine'),
      },
    };
    results.push(row);
    log(
      `${row.route}: ${row.readsPerSec}/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, ${row.non2xx} non-2xx (load average ${load()})`,
    );
  }

  let ingestLine = 'no ingest (--ingest-rate 0)';
  if (ingest && ingestOrg) {
    await ingest.stop();
    const counts = await readCounters(redis, ingestOrg);
    const materialized = Object.values(counts.status).reduce((a, b) => a + b, 0);
    ingestLine =
      `ingest alongside: ${ingest.stats.posted} interactions posted in ${Math.round(ingest.seconds())} s ` +
      `(${round(ingest.stats.posted / ingest.seconds(), 1)}/s), ${ingest.stats.accepted} accepted, ` +
      `${ingest.stats.refused} refused; ${materialized} of them readable in the live views when the reads ended`;
  }
  console.log(
    `\n${markdownTable(
      [
        'route',
        'reads/s',
        'p50 ms',
        'p99 ms',
        'non-2xx',
        'CPU µs/read: API',
        'Redis',
        'ES',
        'load generator',
        'machine',
      ],
      results.map((r) => [
        r.route,
        round(r.readsPerSec),
        round(r.p50Ms, 1),
        round(r.p99Ms, 1),
        r.non2xx,
        round(r.cpuUs.api),
        round(r.cpuUs.redis),
        round(r.cpuUs.elasticsearch),
        round(r.cpuUs.generator),
        round(r.cpuUs.machine),
      ]),
    )}\n\n` +
      `CPU per read is the CPU time each process used while a route was loaded (warm-up included) over the reads ` +
      `answered; "machine" is every process on every core, the pipeline and anyone else's work included.\n` +
      `Org ${big.orgId} of ${big.tickets.toLocaleString('en-US')} tickets (and ${smallOrgs} of ` +
      `${smallTickets.toLocaleString('en-US')}); ${connections} connections, ${seconds} s per route after ${warmup} s ` +
      `of warm-up; ${cpus().length} cores, load average ${load()} at the end.\n${ingestLine}`,
  );
  if (values.json) {
    writeFileSync(
      values.json,
      `${JSON.stringify(
        {
          tickets: big.tickets,
          routes: results.map(({ route, readsPerSec, p50Ms, p99Ms, non2xx }) => ({
            route,
            readsPerSec,
            p50Ms,
            p99Ms,
            non2xx,
          })),
        },
        null,
        2,
      )}\n`,
    );
    log(`wrote ${values.json}`);
  }
} finally {
  process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
  await ingest?.stop();
  await stopAll();
  if (ingestOrg) {
    log(`removing ${ingestOrg} and what the pipeline wrote for it`);
    await removeBenchOrg(config, es, ingestOrg, log).catch((error: unknown) => log(`cleanup failed: ${String(error)}`));
  }
  redis.disconnect();
  await Promise.allSettled([mongo.close(), es.close()]);
}
if (failure) {
  console.error(String(failure));
  process.exit(1);
}
