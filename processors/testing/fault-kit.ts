/**
 * What the fault suite (processors/faults.restarts-stack.integration.test.ts) and its longer variant in
 * `loadtest/` (`npm run bench:faults`) share: taking a server of the stack away and bringing it back, a client that
 * posts interactions at a steady rate and keeps each one until ingest accepts it, the dead-letter topics' ends, and
 * where each accepted interaction stands in the three stores.
 */
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import type { Collection } from 'mongodb';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Supervisor } from '../../ops/stack/supervisor.js';
import { ticketflow } from '../../topics/topology.js';
import { ticketKey } from '../sinks/events.js';
import { liveViewKeys } from '../sinks/live-views.js';
import { TICKET_INDEX } from '../sinks/search-index.js';
import type { StoredTicket } from '../sinks/ticket-store.js';
import { kafka, topicEnds } from './kafka-kit.js';

export type Server = 'elasticsearch' | 'mongo' | 'postgres' | 'redis' | 'schema-registry' | 'kafka';

export interface Outage {
  readonly server: Server;
  /** `stop`: the stack's clean stop (its signal, then its grace period); `kill -9`: SIGKILL to its process. */
  readonly how: 'stop' | 'kill -9';
  /** From taking it away until starting it again. */
  readonly seconds: number;
}

export const outageName = (o: Outage) => `${o.server} ${o.how}`;

/** Takes the server away as `how` says. */
export async function takeAway(supervisor: Supervisor, { server, how }: Outage): Promise<void> {
  if (how === 'stop') {
    await supervisor.stop(server);
    return;
  }
  const pid = (await supervisor.status()).find((s) => s.name === server)?.pid;
  assert.ok(pid, `${server} runs`);
  process.kill(pid, 'SIGKILL');
}

/**
 * Starts the server again and waits for its health check; fails naming it if it does not come back. A server
 * recovering from SIGKILL on a busy machine can take longer than its start-up limit (Kafka took over two minutes
 * at load average 20), and asking again waits for the running process rather than starting another, so it asks up
 * to `attempts` times.
 */
export async function bringBack(supervisor: Supervisor, server: Server, attempts = 3): Promise<void> {
  let failed: string[] = [];
  for (let i = 0; i < attempts; i++) {
    failed = await supervisor.up([server]);
    if (failed.length === 0) return;
  }
  assert.deepEqual(failed, [], `${server} started again`);
}

/**
 * Takes the server away for `seconds` (its start-up not included), running `whileAway` meanwhile, then brings it
 * back. Returns the seconds it was away, start-up included.
 */
export async function outage(
  supervisor: Supervisor,
  o: Outage,
  whileAway: () => Promise<void> = async () => undefined,
): Promise<number> {
  const began = Date.now();
  await takeAway(supervisor, o);
  await whileAway();
  await sleep(Math.max(0, o.seconds * 1000 - (Date.now() - began)));
  await bringBack(supervisor, o.server);
  return (Date.now() - began) / 1000;
}

/** Records written to every `tf.dlq.*` topic so far. */
export async function deadLetterCount(): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = ticketflow.topics.filter((t) => t.name.startsWith('tf.dlq.')).map((t) => t.name);
    const ends = await topicEnds(admin, topics);
    return ends.reduce((sum, { ends: partitions }) => sum + partitions.reduce((s, p) => s + Number(p.high), 0), 0);
  } finally {
    await admin.disconnect();
  }
}

/** One interaction ingest accepted: its ticket, and the label the client carried when it was first posted. */
export interface Accepted {
  readonly ticketId: string;
  readonly conversationId: string;
  readonly label: string;
}

/**
 * Posts interactions at a steady rate for one org, each its own conversation, and keeps each until it is accepted:
 * after a 503 it waits the Retry-After it names and posts again with the same Idempotency-Key, as does a 409 for a
 * key whose first attempt is still in progress, and after a refused connection it tries again at once. Any other
 * answer fails the run. Refusals are counted per label, the label being whatever `label` was when it was posted.
 */
export class SteadyClient {
  /** Set by the caller to name the current phase (an outage, say); copied onto each interaction posted. */
  label = '';
  readonly accepted: Accepted[] = [];
  /** Refusals by label, then by reason (HTTP status, or the error's name). */
  readonly refusals = new Map<string, Map<string, number>>();
  private failure: Error | undefined;
  private stopping = false;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private next = 0;

  constructor(
    private readonly target: { ingestUrl: string; key: string; run: string },
    readonly perSecond: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.stopping) return;
      const p = this.postUntilAccepted(this.next++, this.label)
        .catch((error: unknown) => {
          this.failure ??= error as Error;
        })
        .finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }, 1000 / this.perSecond);
  }

  /** Stops posting, waits for every interaction in hand to be accepted, and fails if ingest gave an answer no
   * client could act on. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  refusalsOf(label: string, reason?: string): number {
    const reasons = this.refusals.get(label);
    if (!reasons) return 0;
    if (reason !== undefined) return reasons.get(reason) ?? 0;
    return [...reasons.values()].reduce((a, b) => a + b, 0);
  }

  private refused(label: string, reason: string): void {
    const reasons = this.refusals.get(label) ?? new Map<string, number>();
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    this.refusals.set(label, reasons);
  }

  private async postUntilAccepted(i: number, label: string): Promise<void> {
    const { ingestUrl, key, run } = this.target;
    const conversationId = `conv-${i}`;
    const body = JSON.stringify({
      conversationId,
      channel: 'CHAT',
      customer: { customerId: `cust-${i % 7}`, externalId: null },
      subject: null,
      body: i % 2 ? `My card ${i} was charged twice, please refund one payment.` : `I cannot log in to account ${i}.`,
      localeHint: 'en',
      externalMessageId: null,
      attachments: [],
    });
    for (;;) {
      const response = await fetch(`${ingestUrl}/v1/interactions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${key}`,
          'idempotency-key': `${run}-${i}`,
        },
        body,
        signal: AbortSignal.timeout(15_000),
      }).catch((error: unknown) => error as Error);
      if (!(response instanceof Error) && response.status === 202) {
        const { ticketId } = (await response.json()) as { ticketId: string };
        this.accepted.push({ ticketId, conversationId, label });
        return;
      }
      this.refused(label, response instanceof Error ? response.name : String(response.status));
      if (!(response instanceof Error)) {
        // A 503, or a 409 for a key whose first attempt is still in progress, says "retry after"; anything
        // else would leave the client with an answer it cannot act on.
        const text = await response.text();
        const retry = response.status === 503 || (response.status === 409 && text.includes('key_in_progress'));
        if (!retry) throw new Error(`ingest answered ${response.status}: ${text}`);
      }
      const retryAfter = response instanceof Error ? 0.5 : Number(response.headers.get('retry-after') ?? 1);
      await sleep(Math.min(retryAfter, 2) * 1000);
    }
  }
}

export interface StoreClients {
  readonly tickets: Collection<StoredTicket>;
  readonly es: Client;
  readonly redis: Redis;
}

/** Where one accepted interaction's ticket stands: routed in MongoDB, searchable with a queue, queued in Redis. */
export interface Standing {
  readonly stored: boolean;
  readonly routed: boolean;
  readonly searchable: boolean;
  readonly queued: boolean;
}

export const everywhere = (s: Standing) => s.routed && s.searchable && s.queued;

/** Ids per query: the Mongo-wire server reads whole documents, so its batches are smaller. */
const BATCH = 250;

/**
 * The standing of each ticket, read by id in batches (`find` by `_id`, an `ids` search after a refresh, a Redis
 * pipeline), so the cost follows the tickets asked about, not the store's size.
 */
export async function standings(
  clients: StoreClients,
  orgId: string,
  ticketIds: readonly string[],
): Promise<Map<string, Standing>> {
  const result = new Map<string, Standing>();
  await clients.es.indices.refresh({ index: TICKET_INDEX });
  for (let i = 0; i < ticketIds.length; i += BATCH) {
    const batch = ticketIds.slice(i, i + BATCH);
    const keys = batch.map((id) => ticketKey(orgId, id));
    const docs = await clients.tickets
      .find({ _id: { $in: keys } }, { projection: { 'routing.decision': 1 } })
      .toArray();
    const stored = new Map(docs.map((d) => [d._id, Boolean(d.routing)]));
    const { hits } = await clients.es.search<{ queue: string | null }>({
      index: TICKET_INDEX,
      size: batch.length,
      _source: ['queue'],
      query: { ids: { values: keys } },
    });
    const searchable = new Set(hits.hits.filter((h) => h._source?.queue).map((h) => h._id));
    const pipeline = clients.redis.pipeline();
    for (const id of batch) pipeline.hget(liveViewKeys.ticket(orgId, id), 'queue');
    const queues = (await pipeline.exec()) ?? [];
    batch.forEach((id, j) => {
      const [error, queue] = queues[j] ?? [null, null];
      if (error) throw error;
      const key = keys[j]!;
      result.set(id, {
        stored: stored.has(key),
        routed: stored.get(key) === true,
        searchable: searchable.has(key),
        queued: typeof queue === 'string' && queue !== '',
      });
    });
  }
  return result;
}

/**
 * Waits until every ticket is routed and visible in all three stores, or `withinMs` passed; returns the milliseconds
 * it took, or null when some were still missing. Asks again only about those not yet seen everywhere.
 */
export async function untilEverywhere(
  clients: StoreClients,
  orgId: string,
  ticketIds: readonly string[],
  withinMs: number,
  everyMs = 1000,
): Promise<number | null> {
  const began = Date.now();
  let waiting = [...new Set(ticketIds)];
  for (;;) {
    const seen = await standings(clients, orgId, waiting).catch(() => null);
    if (seen) waiting = waiting.filter((id) => !everywhere(seen.get(id)!));
    if (waiting.length === 0) return Date.now() - began;
    if (Date.now() - began > withinMs) return null;
    await sleep(everyMs);
  }
}

/**
 * Copies beyond one per accepted interaction: tickets of the org beyond those accepted, tickets holding more than
 * one interaction, and search documents beyond one per ticket.
 */
export async function duplicates(clients: StoreClients, orgId: string, ticketIds: readonly string[]) {
  const keys = [...new Set(ticketIds)].map((id) => ticketKey(orgId, id));
  const extraTickets = Math.max(0, (await clients.tickets.countDocuments({ orgId })) - keys.length);
  let crowded = 0;
  for (let i = 0; i < keys.length; i += BATCH) {
    crowded += await clients.tickets.countDocuments({
      _id: { $in: keys.slice(i, i + BATCH) },
      'interactions.1': { $exists: true },
    });
  }
  await clients.es.indices.refresh({ index: TICKET_INDEX });
  const { count } = await clients.es.count({ index: TICKET_INDEX, query: { term: { org_id: orgId } } });
  return { extraTickets, ticketsWithInteractionTwice: crowded, extraSearchDocuments: Math.max(0, count - keys.length) };
}
