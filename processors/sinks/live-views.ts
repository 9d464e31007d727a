/**
 * Live views in Redis for dashboards and agent consoles:
 *   tf:ticket:<org>:<ticket>        hash: status, queue, slaDueAt, intent, priority, assignee, updatedAt
 *   tf:queue:<org>:<queue>          sorted set of open tickets by SLA deadline (no deadline sorts last)
 *   tf:counts:<org>:status|intent   hash: number of tickets currently in each status / of each intent
 *   tf:applied:<org>:<eventId>      marker making each event apply once, expiring after `appliedTtlSeconds`
 * Keys carry the org so one tenant's views can be read, and deleted, without touching another's.
 */
import type { Redis } from 'ioredis';
import type { TicketEvent } from './events.js';
import { APPLY_LIVE_VIEW_SCRIPT } from './live-views-script.js';
import { ticketFacts, type TicketFacts } from './ticket-facts.js';

/** Longer than any redelivery the runtime can cause (retries, rebalances, restarts), short enough to stay small. */
export const DEFAULT_APPLIED_TTL_SECONDS = 7 * 24 * 3600;

export const liveViewKeys = {
  ticket: (orgId: string, ticketId: string) => `tf:ticket:${orgId}:${ticketId}`,
  queuePrefix: (orgId: string) => `tf:queue:${orgId}:`,
  queue: (orgId: string, queue: string) => `tf:queue:${orgId}:${queue}`,
  statusCounts: (orgId: string) => `tf:counts:${orgId}:status`,
  intentCounts: (orgId: string) => `tf:counts:${orgId}:intent`,
  applied: (orgId: string, eventId: string) => `tf:applied:${orgId}:${eventId}`,
  /** Every key of an org, for tooling and tests; never used on a hot path. */
  patterns: (orgId: string) => ['ticket', 'queue', 'counts', 'applied'].map((kind) => `tf:${kind}:${orgId}:*`),
};

/** The (field, value, order) triples the script writes; null becomes '' because Redis hashes hold strings. */
export function liveViewFields(facts: TicketFacts): string[] {
  const out: string[] = [];
  const put = (field: string, value: string | number | null) =>
    out.push(field, String(value ?? ''), String(facts.order));
  if (facts.status !== undefined) put('status', facts.status);
  if (facts.placement) {
    put('queue', facts.placement.queue);
    put('slaDueAt', facts.placement.slaDueAt);
  }
  if (facts.queue !== undefined) put('queue', facts.queue);
  if (facts.intent !== undefined) put('intent', facts.intent);
  if (facts.priority !== undefined) put('priority', facts.priority);
  if (facts.assignee !== undefined) put('assignee', facts.assignee);
  return out;
}

export async function applyToLiveViews(
  redis: Redis,
  event: TicketEvent,
  options: { appliedTtlSeconds?: number } = {},
): Promise<'applied' | 'duplicate'> {
  const { orgId, ticketId, eventId, occurredAt } = event.meta;
  const result = await redis.eval(
    APPLY_LIVE_VIEW_SCRIPT,
    4,
    liveViewKeys.applied(orgId, eventId),
    liveViewKeys.ticket(orgId, ticketId),
    liveViewKeys.statusCounts(orgId),
    liveViewKeys.intentCounts(orgId),
    String(options.appliedTtlSeconds ?? DEFAULT_APPLIED_TTL_SECONDS),
    liveViewKeys.queuePrefix(orgId),
    ticketId,
    String(occurredAt),
    ...liveViewFields(ticketFacts(event)),
  );
  return result === 1 ? 'applied' : 'duplicate';
}

export interface TicketView {
  status: string | null;
  queue: string | null;
  slaDueAt: number | null;
  intent: string | null;
  priority: string | null;
  assignee: string | null;
  updatedAt: number | null;
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
