import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProcessUsage } from '../chain/proc-stats.js';
import {
  BARE_SERVER_PROCESS,
  CALIBRATION_ROUTE,
  QUERY_API_PROCESS,
  resultJson,
  resultTables,
  verdict,
  type QueryBenchResults,
  type RouteResult,
} from './report.js';

const usage = (name: string, cpuSeconds: number): ProcessUsage => ({
  name,
  kind: 'node',
  pid: 1,
  members: 1,
  cpuSeconds,
  peakRssMb: 0,
});

function row(route: string, readsPerSec: number, p99Ms: number, apiCpuSeconds: number): RouteResult {
  return {
    route,
    server: QUERY_API_PROCESS,
    requests: readsPerSec * 10,
    readsPerSec,
    p50Ms: p99Ms / 4,
    p99Ms,
    non2xx: 0,
    errors: 0,
    seconds: 10,
    processes: [usage(QUERY_API_PROCESS, apiCpuSeconds), usage('redis', 1), usage('postgres', 0)],
    machineBusySeconds: 19,
    load: [3.25, 4.5],
  };
}

const results: QueryBenchResults = {
  tickets: 100_000,
  orgId: 'bench-query-100000',
  smallOrgs: [{ orgId: 'bench-query-2000-1', tickets: 2000 }],
  connections: 32,
  cores: 2,
  routes: [row('GET /v1/tickets/:id', 6000, 12, 6), row('GET /v1/search', 800, 70, 8)],
  calibration: {
    ...row(CALIBRATION_ROUTE, 9000, 8, 0),
    server: BARE_SERVER_PROCESS,
    processes: [usage(BARE_SERVER_PROCESS, 4.5), usage('redis', 0)],
  },
  ingest: {
    orgId: 'bench-x-northwind',
    targetPerSec: 100,
    posted: 1500,
    accepted: 1490,
    refused: 10,
    refusedByStatus: { '503': 8, '0': 2 },
    postedPerSec: 99.7,
    materialized: 1480,
  },
};

test("the JSON holds the issue's keys: tickets, and per route its template, reads/s, p50, p99 and non-2xx", () => {
  const json = resultJson(results);
  assert.equal(json.tickets, 100_000);
  assert.deepEqual(
    json.routes.map((r) => r.route),
    ['GET /v1/tickets/:id', 'GET /v1/search'],
    'the calibration is not a route',
  );
  const [detail] = json.routes;
  assert.deepEqual(
    { route: detail!.route, readsPerSec: detail!.readsPerSec, p50Ms: detail!.p50Ms, p99Ms: detail!.p99Ms, non2xx: 0 },
    { route: 'GET /v1/tickets/:id', readsPerSec: 6000, p50Ms: 3, p99Ms: 12, non2xx: 0 },
  );
  assert.equal(detail!.apiCpuUsPerRead, 100);
  assert.deepEqual(detail!.load, [3.25, 4.5]);
  assert.equal(json.calibration!.readsPerSec, 9000);
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(json)));
});

test('a route meets its target only with the rate, the p99 and no failed answer', () => {
  assert.equal(verdict(results.routes[0]!), 'met');
  assert.equal(verdict(results.routes[1]!), 'missed: < 1,000/s, p99 > 50 ms');
  assert.equal(verdict({ ...results.routes[0]!, non2xx: 1 }), 'missed: non-2xx');
  assert.equal(verdict(results.calibration!), "the machine's ceiling now");
});

test('the tables show every route, the CPU of each process that used any, the load and the ingest', () => {
  const text = resultTables(results);
  assert.match(text, /\| GET \/v1\/tickets\/:id \| 6,000 \| 3\.0 \| 12\.0 \| 0 \| 100 \| 3\.3 → 4\.5 \| met \|/);
  assert.match(text, /\| bare Fastify, fixed 2 KB body \| 9,000 \| 2\.0 \| 8\.0 \| 0 \| 50 \|/);
  assert.match(text, /\| query-api \| - \| 60 \| 80 \|/, 'share of one core per column');
  assert.match(text, /\| bare-fastify \| 45 \| - \| - \|/);
  assert.match(text, /\| redis \| 0 \| 10 \| 10 \|/);
  assert.doesNotMatch(text, /\| postgres \|/, 'a process that used no CPU is left out');
  assert.match(text, /\| whole machine \| 190 \| 190 \| 190 \|/);
  assert.match(
    text,
    /1,500 interactions posted \(99\.7\/s of 100\/s offered\), 1,490 accepted, 10 refused \(no answer: 2, 503: 8\)/,
  );
});
