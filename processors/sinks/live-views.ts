/**
 * Live views in Redis for dashboards and agent consoles, projected from the ticket store's changelog and shaped
 * for the query API's reads, each of which is one round trip:
 *   tf:ticket:<org>:<ticket>            hash: the list fields (status, queue, slaDueAt, intent, priority, assignee,
 *                                       updatedAt, createdAt, conversationId, subject), revision, the ticket's list
 *                                       position (lm) and the views' version (v); small, so Redis packs it
 *   tf:detail:<org>:<ticket>            string: the ticket's detail as the API sends it (JSON)
 *   tf:summary:<org>:<ticket>           string: the ticket as a list shows it (JSON), so a page is one MGET
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
import { listPosition, slaOutcome, ticketDetail, ticketSummary } from './ticket-views.js';

/** The org as it appears in keys: ':' and '%' escaped, so an org id holding ':' cannot reach into another org's keys. */
export const orgKeyPart = (orgId: string): string =>
  /[%:]/.test(orgId) ? orgId.replace(/[%:]/g, (c) => (c === ':' ? '%3A' : '%25')) : orgId;

export type ListField = 'status' | 'queue' | 'priority' | 'intent';
export const COUNTED_FIELDS = ['status', 'intent', 'priority', 'queue'] as const;
export type CountedField = (typeof COUNTED_FIELDS)[number];

const KEY_KINDS = [
  'ticket',
  'detail',
  'summary',
  'queue',
  'oldest',
  'unanswered',
  'registry',
  'counts',
  'list',
  'applied',
];

/**
 * The org's part of the keys of live-views version `version`. Version 1 is the plain escaped org; later ones,
 * made by `ticketflow views rebuild live-views`, append `%v<n>`, which an escaped org id can never hold, so no
 * version's keys can be read as another org's or another version's.
 */
export const versionedOrgPart = (orgId: string, version: number): string =>
  version === 1 ? orgKeyPart(orgId) : `${orgKeyPart(orgId)}%v${version}`;

/** The version a key belongs to, from its org part (`tf:<kind>:<org part>:…`), or null for other keys. */
export function keyVersion(key: string): number | null {
  const [tf, kind, part] = key.split(':', 3);
  if (tf !== 'tf' || !KEY_KINDS.includes(kind!) || part === undefined) return null;
  const match = /%v(\d+)$/.exec(part);
  return match ? Number(match[1]) : 1;
}

/** The org id a key of the views belongs to, unescaped, or null for other keys. */
export function keyOrg(key: string): string | null {
  if (keyVersion(key) === null) return null;
  const part = key.split(':', 3)[2]!.replace(/%v\d+$/, '');
  return part.replace(/%3A|%25/g, (c) => (c === '%3A' ? ':' : '%'));
}

export const LIVE_VIEW_KEY_KINDS: readonly string[] = KEY_KINDS;

/** The keys of one version of the views. */
export function liveViewKeysOf(version: number) {
  const org = (orgId: string) => versionedOrgPart(orgId, version);
  const keys = {
    /** The org's part of every key, as the scripts take it. */
    org,
    ticket: (orgId: string, ticketId: string) => `tf:ticket:${org(orgId)}:${ticketId}`,
    detail: (orgId: string, ticketId: string) => `tf:detail:${org(orgId)}:${ticketId}`,
    summary: (orgId: string, ticketId: string) => `tf:summary:${org(orgId)}:${ticketId}`,
    queuePrefix: (orgId: string) => `tf:queue:${org(orgId)}:`,
    queue: (orgId: string, queue: string) => `tf:queue:${org(orgId)}:${queue}`,
    oldest: (orgId: string, queue: string) => `tf:oldest:${org(orgId)}:${queue}`,
    unanswered: (orgId: string, queue: string) => `tf:unanswered:${org(orgId)}:${queue}`,
    queueRegistry: (orgId: string) => `tf:registry:${org(orgId)}:queues`,
    counts: (orgId: string, field: CountedField) => `tf:counts:${org(orgId)}:${field}`,
    statusCounts: (orgId: string) => keys.counts(orgId, 'status'),
    intentCounts: (orgId: string) => keys.counts(orgId, 'intent'),
    list: (orgId: string, filter?: { field: ListField; value: string }) =>
      `tf:list:${org(orgId)}:${filter ? `${filter.field}:${filter.value}` : 'all'}`,
    /** Every key of an org in this version, for tooling and tests; never used on a hot path. */
    patterns: (orgId: string) => KEY_KINDS.map((kind) => `tf:${kind}:${org(orgId).replace(/[*?[\]\\]/g, '\\$&')}:*`),
    /** What every key of an org in this version starts with, one per kind of key. */
    prefixes: (orgId: string) => KEY_KINDS.map((kind) => `tf:${kind}:${org(orgId)}:`),
  };
  return keys;
}

export type LiveViewKeys = ReturnType<typeof liveViewKeysOf>;

/** The keys of version 1, the views' version until a rebuild switches. */
export const liveViewKeys = liveViewKeysOf(1);

type LiveViewsClient = Redis & {
  applyLiveView(...args: string[]): Promise<number>;
};

/** The client with the script defined on it: ioredis calls it by hash and loads it once when Redis lacks it. */
export function withLiveViewScript(redis: Redis): LiveViewsClient {
  if (!('applyLiveView' in redis))
    redis.defineCommand('applyLiveView', { numberOfKeys: 3, lua: APPLY_LIVE_VIEW_SCRIPT });
  return redis as LiveViewsClient;
}

const text = (value: string | number | null) => (value === null ? '' : String(value));

/** The script's arguments for a revision (see live-views-script.ts); null becomes '' because Redis holds strings. */
export function liveViewArgs(change: TicketChanged, version = 1): string[] {
  const { orgId, ticketId, conversationId } = change.meta;
  return [
    String(change.revision),
    ticketId,
    versionedOrgPart(orgId, version),
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
    JSON.stringify(ticketSummary(change)),
  ];
}

/**
 * Applies the latest revision of each ticket among `changes` in one pipeline. Returns, per ticket id, whether it
 * was applied or already as new, or the error Redis answered for it; a pipeline that fails as a whole rejects.
 */
export async function applyChanges(
  redis: Redis,
  changes: readonly TicketChanged[],
  version = 1,
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
  const keys = liveViewKeysOf(version);
  for (const change of latest.values()) {
    const { orgId, ticketId } = change.meta;
    pipeline.applyLiveView(
      keys.ticket(orgId, ticketId),
      keys.detail(orgId, ticketId),
      keys.summary(orgId, ticketId),
      ...liveViewArgs(change, version),
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

export async function readTicketView(
  redis: Redis,
  orgId: string,
  ticketId: string,
  version = 1,
): Promise<TicketView | null> {
  const hash = await redis.hgetall(liveViewKeysOf(version).ticket(orgId, ticketId));
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
export function readQueue(redis: Redis, orgId: string, queue: string, version = 1): Promise<string[]> {
  return redis.zrange(liveViewKeysOf(version).queue(orgId, queue), '0', '-1');
}

export type Counters = Record<CountedField, Record<string, number>>;

/** Every counter in one round trip, with its zero entries dropped, since a ticket leaving a value leaves a 0 behind. */
export async function readCounters(redis: Redis, orgId: string, version = 1): Promise<Counters> {
  const keys = liveViewKeysOf(version);
  const pipeline = redis.pipeline();
  for (const field of COUNTED_FIELDS) pipeline.hgetall(keys.counts(orgId, field));
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
