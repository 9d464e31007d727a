/**
 * bench:query's results: one row per route (reads/s, latency, answers other than 2xx, the query API's CPU per
 * read), the CPU every process used while each route was measured, the machine's load, and the JSON the issue
 * asks for. Pure functions of the measurements, so they are tested without a stack.
 */
import type { ProcessUsage } from '../chain/proc-stats.js';
import { markdownTable, round } from '../stats.js';

export interface RouteResult {
  /** Method and path template, e.g. `GET /v1/tickets/:id`. */
  readonly route: string;
  /** The process that answered, whose CPU per read is shown. */
  readonly server: string;
  readonly requests: number;
  readonly readsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  /** Connections the server closed or reset mid-request. */
  readonly errors: number;
  /** Wall seconds the route was measured. */
  readonly seconds: number;
  /** CPU seconds of each process over those seconds. */
  readonly processes: readonly ProcessUsage[];
  /** CPU seconds the whole machine was busy (every process on every core, anyone else's included). */
  readonly machineBusySeconds: number;
  /** 1-minute load average at the start and the end of the route. */
  readonly load: readonly [number, number];
}

export interface Target {
  readonly readsPerSec: number;
  readonly p99Ms: number;
}

/** Issue 9's targets on the reference machine. */
export const TARGETS: Readonly<Record<string, Target>> = {
  'GET /v1/tickets/:id': { readsPerSec: 5000, p99Ms: 20 },
  'GET /v1/tickets': { readsPerSec: 2000, p99Ms: 50 },
  'GET /v1/queues': { readsPerSec: 2000, p99Ms: 50 },
  'GET /v1/search': { readsPerSec: 1000, p99Ms: 50 },
  'GET /v1/counts': { readsPerSec: 1000, p99Ms: 50 },
  'GET /v1/stats': { readsPerSec: 1000, p99Ms: 50 },
  'GET /v1/stats/sla-breaches': { readsPerSec: 1000, p99Ms: 50 },
};

export const QUERY_API_PROCESS = 'query-api';
export const BARE_SERVER_PROCESS = 'bare-fastify';
export const CALIBRATION_ROUTE = 'bare Fastify, fixed 2 KB body';

export interface QueryBenchResults {
  /** Tickets in the org the reads are sent for. */
  readonly tickets: number;
  readonly orgId: string;
  readonly smallOrgs: ReadonlyArray<{ orgId: string; tickets: number }>;
  readonly connections: number;
  readonly cores: number;
  readonly routes: readonly RouteResult[];
  /** The same load on a bare Fastify route (bare-server.ts), measured just before the routes; null if skipped. */
  readonly calibration: RouteResult | null;
  /** What the pipeline did meanwhile; null without ingest. */
  readonly ingest: {
    /** The throwaway org the pipeline worked for (removed at the end). */
    readonly orgId: string;
    readonly targetPerSec: number;
    readonly posted: number;
    readonly accepted: number;
    readonly refused: number;
    readonly refusedByStatus: Readonly<Record<string, number>>;
    readonly postedPerSec: number;
    readonly materialized: number;
  } | null;
}

/** ` (503: 12, no answer: 3)`, or nothing without refusals. */
function refusals(byStatus: Readonly<Record<string, number>>): string {
  const parts = Object.entries(byStatus).map(([status, n]) => `${status === '0' ? 'no answer' : status}: ${n}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

const cpuOf = (r: RouteResult, name: string) => r.processes.find((p) => p.name === name)?.cpuSeconds ?? NaN;

/** Whether a route met its target, as the table shows it. */
export function verdict(r: RouteResult): string {
  if (r.route === CALIBRATION_ROUTE) return "the machine's ceiling now";
  const target = TARGETS[r.route];
  if (!target) return '';
  const misses = [
    ...(r.readsPerSec < target.readsPerSec ? [`< ${target.readsPerSec.toLocaleString('en-US')}/s`] : []),
    ...(r.p99Ms > target.p99Ms ? [`p99 > ${target.p99Ms} ms`] : []),
    ...(r.non2xx > 0 ? ['non-2xx'] : []),
  ];
  return misses.length === 0 ? 'met' : `missed: ${misses.join(', ')}`;
}

const perRead = (r: RouteResult) => (cpuOf(r, r.server) * 1e6) / r.requests;

export function resultTables(results: QueryBenchResults): string {
  const rows = [...(results.calibration ? [results.calibration] : []), ...results.routes];
  const routes = markdownTable(
    ['route', 'reads/s', 'p50 ms', 'p99 ms', 'non-2xx', 'server CPU µs/read', 'load avg', 'target'],
    rows.map((r) => [
      r.route,
      round(r.readsPerSec),
      round(r.p50Ms, 1),
      round(r.p99Ms, 1),
      r.non2xx + r.errors,
      round(perRead(r)),
      `${round(r.load[0], 1)} → ${round(r.load[1], 1)}`,
      verdict(r),
    ]),
  );
  // One row per process with any CPU, one column per route: share of one core while the route was measured.
  const names = [...new Set(rows.flatMap((r) => r.processes.map((p) => p.name)))];
  const core = (r: RouteResult, seconds: number) => round((100 * seconds) / r.seconds);
  const processRows = names
    .filter((name) => rows.some((r) => cpuOf(r, name) > 0))
    .map((name) => [name, ...rows.map((r) => core(r, cpuOf(r, name)))]);
  const listed = (r: RouteResult) => r.processes.reduce((sum, p) => sum + (p.cpuSeconds || 0), 0);
  const cpu = markdownTable(
    ['CPU, % of one core', ...rows.map((r) => (r === results.calibration ? 'bare Fastify' : r.route.slice(4)))],
    [
      ...processRows,
      ['all listed processes', ...rows.map((r) => core(r, listed(r)))],
      ['whole machine', ...rows.map((r) => core(r, r.machineBusySeconds))],
    ],
  );
  const ingest = results.ingest
    ? `Ingest alongside: ${results.ingest.posted.toLocaleString('en-US')} interactions posted ` +
      `(${round(results.ingest.postedPerSec, 1)}/s of ${results.ingest.targetPerSec}/s offered), ` +
      `${results.ingest.accepted.toLocaleString('en-US')} accepted, ${results.ingest.refused} refused` +
      `${refusals(results.ingest.refusedByStatus)}; ` +
      `${results.ingest.materialized.toLocaleString('en-US')} of their tickets readable in the live views when ` +
      `the reads ended.`
    : 'No ingest alongside (--ingest-rate 0).';
  const small = results.smallOrgs.map((o) => o.tickets.toLocaleString('en-US')).join(', ');
  return [
    routes,
    '',
    cpu,
    '',
    `Reads for org ${results.orgId} (${results.tickets.toLocaleString('en-US')} tickets; smaller orgs of ${small || 'none'}) ` +
      `over ${results.connections} keep-alive connections as 20 users. Non-2xx counts closed connections too. ` +
      `The bare Fastify row is the same load on a server that only sends a fixed body: what the machine allows ` +
      `an HTTP read at that moment. ` +
      `CPU is utime+stime from /proc over each route's measured seconds; "whole machine" is every process on ` +
      `all ${results.cores} cores, other work on the machine included (${results.cores * 100} % is all of it).`,
    ingest,
  ].join('\n');
}

/** The JSON of --json: the keys issue 9 names, then what the tables show. */
export function resultJson(results: QueryBenchResults) {
  return {
    tickets: results.tickets,
    routes: results.routes.map((r) => ({
      route: r.route,
      readsPerSec: Math.round(r.readsPerSec),
      p50Ms: Number(r.p50Ms.toFixed(2)),
      p99Ms: Number(r.p99Ms.toFixed(2)),
      non2xx: r.non2xx + r.errors,
      target: verdict(r),
      apiCpuUsPerRead: Math.round(perRead(r)),
      load: r.load,
      cpuCoreShare: Object.fromEntries(
        r.processes.map((p) => [p.name, Number((p.cpuSeconds / r.seconds).toFixed(3))] as const),
      ),
      machineCoreShare: Number((r.machineBusySeconds / r.seconds).toFixed(3)),
    })),
    calibration: results.calibration && {
      readsPerSec: Math.round(results.calibration.readsPerSec),
      p50Ms: Number(results.calibration.p50Ms.toFixed(2)),
      p99Ms: Number(results.calibration.p99Ms.toFixed(2)),
      serverCpuUsPerRead: Math.round(perRead(results.calibration)),
    },
    orgId: results.orgId,
    smallOrgs: results.smallOrgs,
    connections: results.connections,
    cores: results.cores,
    ingest: results.ingest,
  };
}
