/**
 * The reads bench:query sends, one kind per route of the query API, each as a dashboard or agent console would
 * ask it of an org: random tickets by id, filtered list pages followed a few pages deep by their cursors,
 * searches for words the data holds, the queues, the live counts, the aggregations over the last day, week or
 * fortnight, and the SLA breaches over the last day, week or month.
 */
import type { BenchOrg } from './dataset.js';
import { BENCH_PRIORITIES, benchIntents, benchQueues, benchTicketId, SEARCH_WORDS } from './dataset.js';

export interface Answer {
  readonly status: number;
  readonly body: string;
}

export interface RouteSpec {
  /** Name on the command line (--routes). */
  readonly key: string;
  /** Method and path template, as in the results. */
  readonly route: string;
  /** The route reads its previous answer's body (to follow a cursor). */
  readonly wantBody: boolean;
  /** The paths one connection asks for, one after another; `previous` is its last answer when `wantBody`. */
  readonly client: (org: BenchOrg, draw: () => number) => (previous: Answer | null) => string;
}

const DAY_MS = 86_400_000;
const STATUSES = ['open', 'pending', 'auto_replied', 'resolved'] as const;
/** Pages a list walk follows after its first before it starts another. */
const WALK_DEPTH = 3;

const pick = <T>(items: readonly T[], draw: () => number): T => items[Math.floor(draw() * items.length)]!;

/** A deterministic generator (an LCG), one per connection, so two runs send the same requests. */
export function drawFrom(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) / 4_294_967_296;
}

function listWalk(draw: () => number): (previous: Answer | null) => string {
  let depth = 0;
  let base = '';
  const filters = [
    () => `status=${pick(STATUSES, draw)}`,
    () => `queue=${encodeURIComponent(pick(benchQueues(), draw))}`,
    () => `priority=${pick(BENCH_PRIORITIES, draw)}`,
    () => `intent=${encodeURIComponent(pick(benchIntents(), draw))}`,
    () => `status=open&priority=${pick(BENCH_PRIORITIES, draw)}`,
  ];
  return (previous) => {
    if (base !== '' && previous?.status === 200 && depth < WALK_DEPTH) {
      const { nextCursor } = JSON.parse(previous.body) as { nextCursor: string | null };
      if (nextCursor) {
        depth++;
        return `${base}&cursor=${encodeURIComponent(nextCursor)}`;
      }
    }
    depth = 0;
    base = `/v1/tickets?${pick(filters, draw)()}&limit=20`;
    return base;
  };
}

export const ROUTES: readonly RouteSpec[] = [
  {
    key: 'detail',
    route: 'GET /v1/tickets/:id',
    wantBody: false,
    client: (org, draw) => () => `/v1/tickets/${benchTicketId(Math.floor(draw() * org.tickets))}`,
  },
  { key: 'list', route: 'GET /v1/tickets', wantBody: true, client: (_, draw) => listWalk(draw) },
  {
    key: 'search',
    route: 'GET /v1/search',
    wantBody: false,
    client: (_, draw) => () => `/v1/search?q=${encodeURIComponent(pick(SEARCH_WORDS, draw))}`,
  },
  { key: 'queues', route: 'GET /v1/queues', wantBody: false, client: () => () => '/v1/queues' },
  { key: 'counts', route: 'GET /v1/counts', wantBody: false, client: () => () => '/v1/counts' },
  {
    key: 'stats',
    route: 'GET /v1/stats',
    wantBody: false,
    // Windows ending at the data set's end, so they hold its tickets however long ago it was built.
    client: (org, draw) => () => `/v1/stats?from=${org.to - pick([1, 7, 14], draw) * DAY_MS}&to=${org.to}`,
  },
  {
    key: 'sla',
    route: 'GET /v1/stats/sla-breaches',
    wantBody: false,
    client: (_, draw) => () => `/v1/stats/sla-breaches?hours=${pick([24, 168, 720], draw)}`,
  },
];

/** The routes named by --routes (a comma-separated list of keys), in the order of ROUTES; all without one. */
export function selectRoutes(keys: string | undefined): RouteSpec[] {
  if (keys === undefined) return [...ROUTES];
  const wanted = keys
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  const unknown = wanted.filter((k) => !ROUTES.some((r) => r.key === k));
  if (unknown.length > 0 || wanted.length === 0) {
    throw new Error(
      `--routes: ${unknown.length > 0 ? `unknown ${unknown.join(', ')}` : 'empty'}; ` +
        `choose from ${ROUTES.map((r) => r.key).join(', ')}`,
    );
  }
  return ROUTES.filter((r) => wanted.includes(r.key));
}
