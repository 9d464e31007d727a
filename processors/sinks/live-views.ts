/**
 * Live views in Redis for dashboards and agent consoles, projected from the ticket store's changelog and shaped
 * for the query API's reads, each of which is one round trip:
 *   tf:ticket:<org>:<ticket>            hash: the list fields (status, queue, slaDueAt, intent, priority, assignee,
 *                                       updatedAt, createdAt, conversationId, subject), revision, the ticket's list
 *                                       position (lm) and the views' version (v); small, so Redis packs it
 *   tf:detail:<org>:<ticket>            string: the ticket's detail as the API sends it (JSON)
 *   tf:list:<org>:all                   sorted set of every ticket by position: updatedAt, then id (ticket-views.ts)
 *   tf:list:<org>:<field>:<value>       the same per status, queue, priority and intent
 *   tf:queue:<org>:<queue>              sorted set of the queue's tickets not resolved, by SLA deadline (none last)
 *   tf:oldest:<org>:<queue>             the same tickets by creation time
 *   tf:unanswered:<org>:<queue>         of them, those waiting for a first response, by deadline (breaches)
 *   tf:registry:<org>:queues            set of the org's queues holding tickets: the queues route reads no keyspace
 *   tf:counts:<org>:<field>             hash: tickets per status, intent, priority and queue
 * Keys carry the org (with ':' and '%' escaped, so one org's keys can never be read as another's) so one tenant's
 * views can be read, and deleted, without touching another's. A batch is one pipeline of calls to a script Redis
 * keeps by its hash; the script moves every entry from the ticket's old values to its new ones atomically.
 */
import type { Redis } from 'ioredis';
import type { TicketChanged } from '../../schemas/index.js';
import { ticketKey } from './events.js';
import { APPLY_LIVE_VIEW_SCRIPT } from './live-views-script.js';
import { storeStatus } from './ticket-changes.js';
import { listPosition, slaOutcome, ticketDetail } from './ticket-views.js';

/** The org as it appears in keys: ':' and '%' escaped, so an org id holding ':' cannot reach into another org's keys. */
export const orgKeyPart = (orgId: string): string =>
  /[%:]/.test(orgId) ? orgId.replace(/[%:]/g, (c) => (c === ':' ? '%3A' : '%25')) : orgId;

export type ListField = 'status' | 'queue' | 'priority' | 'intent';
export const COUNTED_FIELDS = ['status', 'intent', 'priority', 'queue'] as const;
export type CountedField = (typeof COUNTED_FIELDS)[number];

const KEY_KINDS = ['ticket', 'detail', 'queue', 'oldest', 'unanswered', 'registry', 'counts', 'list', 'applied'];

export const liveViewKeys = {
  ticket: (orgId: string, ticketId: string) => `tf:ticket:${orgKeyPart(orgId)}:${ticketId}`,
  detail: (orgId: string, ticketId: string) => `tf:detail:${orgKeyPart(orgId)}:${ticketId}`,
  queuePrefix: (orgId: string) => `tf:queue:${orgKeyPart(orgId)}:`,
  queue: (orgId: string, queue: string) => `tf:queue:${orgKeyPart(orgId)}:${queue}`,
  oldest: (orgId: string, queue: string) => `tf:oldest:${orgKeyPart(orgId)}:${queue}`,
  unanswered: (orgId: string, queue: string) => `tf:unanswered:${orgKeyPart(orgId)}:${queue}`,
  queueRegistry: (orgId: string) => `tf:registry:${orgKeyPart(orgId)}:queues`,
  counts: (orgId: string, field: CountedField) => `tf:counts:${orgKeyPart(orgId)}:${field}`,
  statusCounts: (orgId: string) => liveViewKeys.counts(orgId, 'status'),
  intentCounts: (orgId: string) => liveViewKeys.counts(orgId, 'intent'),
  list: (orgId: string, filter?: { field: ListField; value: string }) =>
    `tf:list:${orgKeyPart(orgId)}:${filter ? `${filter.field}:${filter.value}` : 'all'}`,
  /** Every key of an org, for tooling and tests; never used on a hot path. */
  patterns: (orgId: string) =>
    KEY_KINDS.map((kind) => `tf:${kind}:${orgKeyPart(orgId).replace(/[*?[\]\\]/g, '\\$&')}:*`),
  /** What every key of an org starts with, one per kind of key. */
  prefixes: (orgId: string) => KEY_KINDS.map((kind) => `tf:${kind}:${orgKeyPart(orgId)}:`),
};

type LiveViewsClient = Redis & {
  applyLiveView(...args: string[]): Promise<number>;
};

/** The client with the script defined on it: ioredis calls it by hash and loads it once when Redis lacks it. */
export function withLiveViewScript(redis: Redis): LiveViewsClient {
  if (!('applyLiveView' in redis))
    redis.defineCommand('applyLiveView', { numberOfKeys: 2, lua: APPLY_LIVE_VIEW_SCRIPT });
  return redis as LiveViewsClient;
}

const text = (value: string | number | null) => (value === null ? '' : String(value));

/** The script's arguments for a revision (see live-views-script.ts); null becomes '' because Redis holds strings. */
export function liveViewArgs(change: TicketChanged): string[] {
  const { orgId, ticketId, conversationId } = change.meta;
  return [
    String(change.revision),
    ticketId,
    orgKeyPart(orgId),
    storeStatus(change.status),
    text(change.queue),
    text(change.slaDueAt),
    text(change.classification?.intent ?? null),
    text(change.priority),
    text(change.assignee),
    String(change.updatedAt),
    String(change.createdAt),
    conversationId,
    text(change.enrichment?.redactedSubject ?? null),
    listPosition(change.updatedAt, ticketId),
    JSON.stringify(ticketDetail(change)),
    slaOutcome(change).state === 'waiting' ? '1' : '',
  ];
}

/**
 * Applies the latest revision of each ticket among `changes` in one pipeline. Returns, per ticket id, whether it
 * was applied or already as new, or the error Redis answered for it; a pipeline that fails as a whole rejects.
 */
export async function applyChanges(
  redis: Redis,
  changes: readonly TicketChanged[],
): Promise<Map<string, 'applied' | 'stale' | Error>> {
  const latest = new Map<string, TicketChanged>();
  for (const change of changes) {
    const id = ticketKey(change.meta.orgId, change.meta.ticketId);
    const seen = latest.get(id);
    if (!seen || seen.revision < change.revision) latest.set(id, change);
  }
  const outcomes = new Map<string, 'applied' | 'stale' | Error>();
  if (latest.size === 0) return outcomes;
  const pipeline = withLiveViewScript(redis).pipeline() as ReturnType<Redis['pipeline']> & {
    applyLiveView(...args: string[]): unknown;
  };
  for (const change of latest.values()) {
    const { orgId, ticketId } = change.meta;
    pipeline.applyLiveView(
      liveViewKeys.ticket(orgId, ticketId),
      liveViewKeys.detail(orgId, ticketId),
      ...liveViewArgs(change),
    );
  }
  const replies = (await pipeline.exec()) ?? [];
  [...latest.keys()].forEach((id, i) => {
    const [error, result] = replies[i] ?? [new Error('no reply from Redis'), null];
    outcomes.set(id, error ?? (result === 1 ? 'applied' : 'stale'));
  });
  return outcomes;
}

/** Marks that the queues of every org are in their registry (version 2 of the views). */
const REGISTRY_MARKER = 'tf:views:queue-registry';

/**
 * Enters the queues that views from before version 2 hold into their org's registry, once per Redis: the queues
 * route reads only the registry, never the keyspace. Run by the sink before its first batch; a scan of the
 * keyspace, so never on a request path. Safe to run concurrently and again (set additions).
 */
export async function registerQueuesOfOlderViews(redis: Redis): Promise<number> {
  if ((await redis.exists(REGISTRY_MARKER)) === 1) return 0;
  let registered = 0;
  for await (const keys of redis.scanStream({ match: 'tf:queue:*', count: 1000 })) {
    const pipeline = redis.pipeline();
    for (const key of keys as string[]) {
      // Before version 2 org ids were not escaped; an org id holding ':' would be cut short here, which only
      // registers a name whose queue key does not exist, and the route skips empty queues.
      const match = /^tf:queue:([^:]*):(.+)$/.exec(key);
      if (!match) continue;
      pipeline.sadd(`tf:registry:${match[1]}:queues`, match[2]!);
      registered++;
    }
    await pipeline.exec();
  }
  await redis.set(REGISTRY_MARKER, String(Date.now()));
  return registered;
}

export interface TicketView {
  status: string | null;
  queue: string | null;
  slaDueAt: number | null;
  intent: string | null;
  priority: string | null;
  assignee: string | null;
  updatedAt: number | null;
  revision: number | null;
}

const str = (v: string | undefined) => (v === undefined || v === '' ? null : v);
const num = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));

export async function readTicketView(redis: Redis, orgId: string, ticketId: string): Promise<TicketView | null> {
  const hash = await redis.hgetall(liveViewKeys.ticket(orgId, ticketId));
  if (Object.keys(hash).length === 0) return null;
  return {
    status: str(hash.status),
    queue: str(hash.queue),
    slaDueAt: num(hash.slaDueAt),
    intent: str(hash.intent),
    priority: str(hash.priority),
    assignee: str(hash.assignee),
    updatedAt: num(hash.updatedAt),
    revision: num(hash.revision),
  };
}

/** Ticket ids in the queue, most urgent deadline first. */
export function readQueue(redis: Redis, orgId: string, queue: string): Promise<string[]> {
  return redis.zrange(liveViewKeys.queue(orgId, queue), '0', '-1');
}

export type Counters = Record<CountedField, Record<string, number>>;

/** Every counter in one round trip, with its zero entries dropped, since a ticket leaving a value leaves a 0 behind. */
export async function readCounters(redis: Redis, orgId: string): Promise<Counters> {
  const pipeline = redis.pipeline();
  for (const field of COUNTED_FIELDS) pipeline.hgetall(liveViewKeys.counts(orgId, field));
  const replies = (await pipeline.exec()) ?? [];
  const counters = {} as Counters;
  COUNTED_FIELDS.forEach((field, i) => {
    const [error, hash] = replies[i] ?? [new Error('no reply from Redis'), null];
    if (error) throw error;
    counters[field] = nonZero(hash as Record<string, string>);
  });
  return counters;
}

function nonZero(hash: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(hash)) {
    const n = Number(value);
    if (n !== 0) out[key] = n;
  }
  return out;
}
