/**
 * Live views in Redis for dashboards and agent consoles, projected from the ticket store's changelog:
 *   tf:ticket:<org>:<ticket>        hash: status, queue, slaDueAt, intent, priority, assignee, updatedAt, revision
 *   tf:queue:<org>:<queue>          sorted set of open tickets by SLA deadline (no deadline sorts last)
 *   tf:counts:<org>:status|intent   hash: number of tickets currently in each status / of each intent
 * Keys carry the org so one tenant's views can be read, and deleted, without touching another's. A batch is one
 * pipeline of calls to a script Redis keeps by its hash.
 */
import type { Redis } from 'ioredis';
import type { TicketChanged } from '../../schemas/index.js';
import { ticketKey } from './events.js';
import { APPLY_LIVE_VIEW_SCRIPT } from './live-views-script.js';
import { storeStatus } from './ticket-changes.js';

export const liveViewKeys = {
  ticket: (orgId: string, ticketId: string) => `tf:ticket:${orgId}:${ticketId}`,
  queuePrefix: (orgId: string) => `tf:queue:${orgId}:`,
  queue: (orgId: string, queue: string) => `tf:queue:${orgId}:${queue}`,
  statusCounts: (orgId: string) => `tf:counts:${orgId}:status`,
  intentCounts: (orgId: string) => `tf:counts:${orgId}:intent`,
  /** Every key of an org, for tooling and tests; never used on a hot path. */
  patterns: (orgId: string) => ['ticket', 'queue', 'counts', 'applied'].map((kind) => `tf:${kind}:${orgId}:*`),
};

type LiveViewsClient = Redis & {
  applyLiveView(...args: string[]): Promise<number>;
};

/** The client with the script defined on it: ioredis calls it by hash and loads it once when Redis lacks it. */
export function withLiveViewScript(redis: Redis): LiveViewsClient {
  if (!('applyLiveView' in redis))
    redis.defineCommand('applyLiveView', { numberOfKeys: 3, lua: APPLY_LIVE_VIEW_SCRIPT });
  return redis as LiveViewsClient;
}

/** The hash fields of a revision, in (field, value) pairs; null becomes '' because Redis hashes hold strings. */
export function liveViewFields(change: TicketChanged): string[] {
  const text = (value: string | number | null) => (value === null ? '' : String(value));
  return [
    ...['status', storeStatus(change.status)],
    ...['queue', text(change.queue)],
    ...['slaDueAt', text(change.slaDueAt)],
    ...['intent', text(change.classification?.intent ?? null)],
    ...['priority', text(change.priority)],
    ...['assignee', text(change.assignee)],
    ...['updatedAt', String(change.updatedAt)],
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
      liveViewKeys.statusCounts(orgId),
      liveViewKeys.intentCounts(orgId),
      String(change.revision),
      ticketId,
      liveViewKeys.queuePrefix(orgId),
      ...liveViewFields(change),
    );
  }
  const replies = (await pipeline.exec()) ?? [];
  [...latest.keys()].forEach((id, i) => {
    const [error, result] = replies[i] ?? [new Error('no reply from Redis'), null];
    outcomes.set(id, error ?? (result === 1 ? 'applied' : 'stale'));
  });
  return outcomes;
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

/** Counters with their zero entries dropped, since a ticket leaving a status leaves a 0 behind. */
export async function readCounters(
  redis: Redis,
  orgId: string,
): Promise<{ status: Record<string, number>; intent: Record<string, number> }> {
  const [status, intent] = await Promise.all([
    redis.hgetall(liveViewKeys.statusCounts(orgId)),
    redis.hgetall(liveViewKeys.intentCounts(orgId)),
  ]);
  const counts = (hash: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(hash)
        .map(([k, v]) => [k, Number(v)] as const)
        .filter(([, n]) => n !== 0),
    );
  return { status: counts(status), intent: counts(intent) };
}
