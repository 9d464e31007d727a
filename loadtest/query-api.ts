/**
 * `npm run bench:query`: the query API under read load, every route in turn, while the real pipeline ingests.
 * Its defaults run issue 9's case, so the plain command answers whether the targets hold; `--help` lists the
 * options (loadtest/query/options.ts). Needs a running, provisioned stack.
 *
 * 1. The data: an org of `--tickets` tickets (100,000) and `--small-orgs` smaller ones, built once through the
 *    sinks' own code into the ticket store, the search index and the live views, and reused by later runs
 *    (loadtest/query/dataset.ts).
 * 2. The processes, each from its main as deployed: the query API, its request limits raised out of the way by
 *    its own environment variables (the buckets are still taken, in Redis, on every request), and unless
 *    `--ingest-rate 0`, HTTP ingest with the five stages and three sinks fed `--ingest-rate` interactions a
 *    second for a throwaway org for the whole run (loadtest/query/ingest.ts), so reads share the machine, the
 *    search index and Redis with a working pipeline.
 * 3. Each route for `--seconds` after `--warmup` over `--connections` keep-alive connections
 *    (loadtest/query/http-load.ts), as 20 users of the big org: reads/s, p50 and p99 latency, answers other than
 *    2xx, and the CPU of every process (the stack's servers, the query API, the pipeline's processes, the
 *    benchmark) from /proc over exactly the measured seconds, with the machine's load average.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { loadConfig } from '../config/index.js';
import { freePort, waitUntilOk } from '../ops/net.js';
import { QUERY_API_APP } from '../ops/stack/apps.js';
import { stackServices } from '../ops/stack/services/index.js';
import { readPidRecord, serviceFiles } from '../ops/stack/supervisor.js';
import { kafka, spawnApp } from '../processors/testing/kafka-kit.js';
import { signDevToken } from '../query-api/jwt.js';
import { loadAverage, ProcSampler, type Mark, type Watched } from './chain/proc-stats.js';
import { ensureBenchOrg } from './query/dataset.js';
import { percentileOf, runLoad } from './query/http-load.js';
import { startIngest, type RunningIngest } from './query/ingest.js';
import { OptionError, parseQueryBenchOptions, USAGE } from './query/options.js';
import {
  BARE_SERVER_PROCESS,
  CALIBRATION_ROUTE,
  QUERY_API_PROCESS,
  resultJson,
  resultTables,
  type RouteResult,
} from './query/report.js';
import { drawFrom, type Answer } from './query/routes.js';

if (process.argv.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}
let options;
try {
  options = parseQueryBenchOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof OptionError)) throw error;
  console.error(`bench:query: ${error.message}\n\n${USAGE}`);
  process.exit(2);
}

const config = loadConfig();
const started = Date.now();
const log = (line: string) => console.log(`+${Math.round((Date.now() - started) / 1000)}s ${line}`);
const load = () =>
  loadAverage()
    .map((n) => n.toFixed(1))
    .join(' / ');
const USERS = 20;
/** --build-only: the orgs are there, nothing is measured. */
class BuildOnly extends Error {}

let failure: Error | null = null;
const interrupted = (signal: string) => (failure ??= new Error(`interrupted by ${signal}`));
process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
const check = () => {
  if (failure) throw failure;
};

let api: ChildProcess | null = null;
let apiStopping = false;
let bare: ChildProcess | null = null;
let bareStopping = false;
async function stopApi(): Promise<void> {
  if (!api || api.exitCode !== null || api.signalCode !== null) return;
  apiStopping = true;
  const exited = new Promise((resolve) => api!.once('exit', resolve));
  api.kill('SIGTERM');
  const stuck = setTimeout(() => api!.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(stuck);
}

/** The stack's servers, each counted with its whole process tree. */
function stackServers(): Watched[] {
  return stackServices.flatMap((service) => {
    const record = readPidRecord(serviceFiles(config.stack, service.name).pidFile);
    return record && existsSync(`/proc/${record.pid}`)
      ? [{ name: service.name, kind: 'server' as const, rootPid: record.pid, tree: true }]
      : [];
  });
}

const es = new Client({ node: config.elasticsearch.url, requestTimeout: 120_000 });
const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 3 });
const admin = kafka.admin();
let ingest: RunningIngest | null = null;
let sampler: ProcSampler | null = null;

try {
  log(`${availableParallelism()} cores, load average ${load()}`);
  const stores = { es, redis };
  // Named by size, so runs of another size neither rebuild nor read this one.
  const big = await ensureBenchOrg(stores, `bench-query-${options.tickets}`, options.tickets, {
    rebuild: options.rebuild,
    log,
  });
  log(`${big.orgId}: ${big.tickets.toLocaleString('en-US')} tickets ${big.built ? 'built' : 'reused'}`);
  const smallOrgs = [];
  for (let k = 1; k <= options.smallOrgs; k++) {
    const small = await ensureBenchOrg(stores, `bench-query-${options.smallTickets}-${k}`, options.smallTickets, {
      rebuild: options.rebuild,
      log,
    });
    smallOrgs.push({ orgId: small.orgId, tickets: small.tickets });
  }
  check();
  if (options.buildOnly) throw new BuildOnly();

  const secret = randomBytes(32).toString('base64url');
  const apiPort = await freePort();
  if (options.cpuProf) mkdirSync(options.cpuProf, { recursive: true });
  const nodeArgs = options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(options.cpuProf)}`] : [];
  api = spawnApp(
    { ...QUERY_API_APP, nodeArgs },
    {
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
    },
    (error) => {
      if (!apiStopping) failure ??= error;
    },
  );
  // The machine's ceiling for an HTTP read, measured with the same generator just before the routes.
  const barePort = await freePort();
  bare = spawnApp(
    { name: BARE_SERVER_PROCESS, entry: 'loadtest/query/bare-server.ts' },
    { PORT: String(barePort) },
    (error) => {
      if (!bareStopping) failure ??= error;
    },
  );
  await Promise.all([
    waitUntilOk(`http://127.0.0.1:${apiPort}/readyz`, 120_000),
    waitUntilOk(`http://127.0.0.1:${barePort}/v1/tickets/x`, 120_000),
  ]);
  log(`query API on port ${apiPort}`);

  const plannedSeconds = options.routes.length * (options.seconds + options.warmup);
  if (options.ingestRate > 0) {
    await admin.connect();
    log(`starting ingest and the eight processors (${options.shape}) for ${options.ingestRate} interactions/s`);
    ingest = await startIngest({
      config,
      es,
      redis,
      admin,
      rate: options.ingestRate,
      shape: options.shape,
      shareGroups: options.shareGroups,
      // Enough to post through every route and the time it takes the first ticket to appear.
      maxSeconds: plannedSeconds + 300,
      onDeath: (error) => (failure ??= error),
      log,
    });
    log(`the pipeline materializes ${ingest.orgId}'s tickets; measuring (load average ${load()})`);
  }

  sampler = new ProcSampler([
    ...stackServers(),
    { name: QUERY_API_PROCESS, kind: 'node', rootPid: api.pid!, tree: true },
    { name: BARE_SERVER_PROCESS, kind: 'node', rootPid: bare!.pid!, tree: true },
    ...(ingest?.pipeline.processes ?? []).map((p): Watched => ({
      name: p.name,
      kind: 'node',
      rootPid: p.child.pid!,
      tree: true,
    })),
    { name: 'benchmark', kind: 'benchmark', rootPid: process.pid, tree: false },
  ]);
  sampler.start();
  const tokens = Array.from({ length: USERS }, (_, i) =>
    signDevToken(secret, { org: big.orgId, sub: `bench-user-${i}` }, { expiresInSeconds: 3600 }),
  );

  /** One route (or the calibration) under the load of `--connections` for `--warmup` + `--seconds`. */
  const measure = async (
    route: string,
    server: string,
    port: number,
    clients: Array<(previous: Answer | null) => string>,
    wantBody: boolean,
  ): Promise<RouteResult> => {
    check();
    let from: Mark | null = null;
    let to: Mark | null = null;
    const result = await runLoad({
      host: '127.0.0.1',
      port,
      connections: options.connections,
      warmupMs: options.warmup * 1000,
      durationMs: options.seconds * 1000,
      wantBody,
      onMeasureStart: () => (from = sampler!.mark()),
      onMeasureEnd: () => (to = sampler!.mark()),
      next: (connection, previous) => ({
        path: clients[connection]!(previous),
        headers: { authorization: `Bearer ${tokens[connection % USERS]}` },
      }),
    });
    const start = from as Mark | null;
    const end = to as Mark | null;
    if (!start || !end) throw new Error(`${route}: the CPU marks were not taken`);
    const row: RouteResult = {
      route,
      server,
      requests: result.requests,
      readsPerSec: result.perSecond,
      p50Ms: percentileOf(result.latenciesMs, 50),
      p99Ms: percentileOf(result.latenciesMs, 99),
      non2xx: result.non2xx,
      errors: result.errors,
      seconds: (end.at - start.at) / 1000,
      processes: sampler!.usage(start, end),
      machineBusySeconds: end.machine.busySeconds - start.machine.busySeconds,
      load: [start.load[0]!, end.load[0]!],
    };
    log(
      `${row.route}: ${Math.round(row.readsPerSec)}/s, p50 ${row.p50Ms.toFixed(1)} ms, p99 ${row.p99Ms.toFixed(1)} ms, ` +
        `${row.non2xx + row.errors} non-2xx (load average ${load()})`,
    );
    return row;
  };

  const calibration = await measure(
    CALIBRATION_ROUTE,
    BARE_SERVER_PROCESS,
    barePort,
    Array.from({ length: options.connections }, () => () => '/v1/tickets/x'),
    false,
  );
  bareStopping = true;
  bare.kill('SIGTERM');
  bare = null;

  const results: RouteResult[] = [];
  for (const [r, route] of options.routes.entries()) {
    const clients = Array.from({ length: options.connections }, (_, c) =>
      route.client(big, drawFrom(1000 * (r + 1) + c)),
    );
    results.push(await measure(route.route, QUERY_API_PROCESS, apiPort, clients, route.wantBody));
  }
  check();

  let ingestSummary = null;
  if (ingest) {
    const stats = ingest.stats();
    ingestSummary = {
      orgId: ingest.orgId,
      targetPerSec: options.ingestRate,
      posted: stats.posted,
      accepted: stats.accepted,
      refused: stats.refused,
      refusedByStatus: stats.refusedByStatus,
      postedPerSec: stats.seconds > 0 ? stats.posted / stats.seconds : 0,
      materialized: await ingest.materialized(),
    };
  }
  const report = {
    tickets: big.tickets,
    orgId: big.orgId,
    smallOrgs,
    connections: options.connections,
    cores: availableParallelism(),
    routes: results,
    calibration,
    ingest: ingestSummary,
  };
  console.log(`\n${resultTables(report)}`);
  if (options.json) {
    writeFileSync(options.json, `${JSON.stringify(resultJson(report), null, 2)}\n`);
    log(`results written to ${options.json}`);
  }
} catch (error) {
  if (!(error instanceof BuildOnly)) failure ??= error as Error;
} finally {
  process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
  sampler?.stop();
  bareStopping = true;
  bare?.kill('SIGTERM');
  if (ingest) {
    log(`stopping ingest; removing ${ingest.orgId} and what the pipeline wrote for it`);
    await ingest.stop().catch((error: unknown) => log(`stopping ingest failed: ${String(error)}`));
  }
  await stopApi();
  await admin.disconnect().catch(() => undefined);
  redis.disconnect();
  await es.close().catch(() => undefined);
}
if (failure) {
  console.error(`bench:query failed: ${failure.message}`);
  process.exit(1);
}
process.exit(0);
