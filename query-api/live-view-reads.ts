/**
 * The query API's reads of the live views (processors/sinks/live-views.ts): each request is one round trip to
 * Redis, a single command or one call of a read script Redis keeps by its hash. Nothing here scans the keyspace.
 * Each read names the views' version it reads (live-views-versions.ts), which a rebuild may switch.
 */
import type { Redis } from 'ioredis';
import { liveViewKeysOf, readCounters, type ListField } from '../processors/sinks/live-views.js';
import { READ_LIST_PAGE_SCRIPT, READ_QUEUES_SCRIPT } from '../processors/sinks/live-views-script.js';

type ReadClient = Redis & {
  tfReadListPage(...args: string[]): Promise<Array<string | null>>;
  tfReadQueues(...args: string[]): Promise<Array<string | number>>;
};

/** The client with the read scripts defined on it (once per client). */
export function withReadScripts(redis: Redis): ReadClient {
  if (!('tfReadListPage' in redis)) {
    redis.defineCommand('tfReadListPage', { numberOfKeys: 0, lua: READ_LIST_PAGE_SCRIPT });
    redis.defineCommand('tfReadQueues', { numberOfKeys: 0, lua: READ_QUEUES_SCRIPT });
  }
  return redis as ReadClient;
}

/**
 * The detail JSON of a ticket as the sink stored it, or null when the views hold none (absent, or older views).
 * As bytes: they go to the socket as Redis sent them, never decoded into a string and encoded again.
 */
export function readDetail(redis: Redis, version: number, orgId: string, ticketId: string): Promise<Buffer | null> {
  return redis.getBuffer(liveViewKeysOf(version).detail(orgId, ticketId));
}

export type ListFilters = Partial<Record<ListField, string>>;

/**
 * Tickets a page examines at most when several filters are given: bounds the work of a request whose filters
 * match few of the tickets in the smallest list.
 */
export const MULTI_FILTER_BUDGET = 1000;

const orNull = (v: string | null | undefined) => (v === null || v === undefined || v === '' ? null : v);

/**
 * One page: up to `limit` tickets after `after` (a list position, or null for the head), each as the JSON of
 * its summary (ticket-views.ts ticketSummary) the sink stored, and the position the next page starts after, or
 * null at the end of the list.
 */
export async function readListPage(
  redis: Redis,
  version: number,
  orgId: string,
  filters: ListFilters,
  limit: number,
  after: string | null,
  budget = MULTI_FILTER_BUDGET,
): Promise<{ items: string[]; next: string | null }> {
  const [next, ...items] = await withReadScripts(redis).tfReadListPage(
    liveViewKeysOf(version).org(orgId),
    String(limit),
    after === null ? '+' : `(${after}`,
    String(Math.max(budget, limit + 1)),
    filters.status ?? '',
    filters.queue ?? '',
    filters.priority ?? '',
    filters.intent ?? '',
  );
  return { items: items as string[], next: orNull(next) };
}

export interface QueueSummary {
  queue: string;
  depth: number;
  oldestAgeSeconds: number | null;
  breaching: number;
}

/** Every queue of the org holding tickets, from its registry, as of `now`. */
export async function readQueues(redis: Redis, version: number, orgId: string, now: number): Promise<QueueSummary[]> {
  const reply = await withReadScripts(redis).tfReadQueues(liveViewKeysOf(version).org(orgId), String(now));
  const queues: QueueSummary[] = [];
  for (let i = 0; i + 4 <= reply.length; i += 4) {
    const oldest = reply[i + 3] === '' ? null : Number(reply[i + 3]);
    queues.push({
      queue: String(reply[i]),
      depth: Number(reply[i + 1]),
      oldestAgeSeconds: oldest === null ? null : Math.max(0, Math.floor((now - oldest) / 1000)),
      breaching: Number(reply[i + 2]),
    });
  }
  return queues;
}

/** The org's tickets now, from the counters the sink keeps exact; the total is the sum over statuses. */
export async function readCounts(redis: Redis, version: number, orgId: string) {
  const counters = await readCounters(redis, orgId, version);
  return {
    total: Object.values(counters.status).reduce((a, b) => a + b, 0),
    byStatus: counters.status,
    byQueue: counters.queue,
    byPriority: counters.priority,
    byIntent: counters.intent,
  };
}
