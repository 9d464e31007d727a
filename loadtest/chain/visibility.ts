/**
 * Polls the three stores for tickets the changelog has shown routed, each store in a loop of its own every
 * `intervalMs`, in batches: MongoDB `find({_id: {$in}})`, an Elasticsearch search with an ids query (so only
 * what a refresh has made searchable counts, as for a user's search), a Redis pipeline of HGETs. A ticket counts
 * as visible in a store when an answer shows it with the queue route chose, at the time that answer arrived:
 * never earlier than it was, so polling can only make latencies look longer, by at most one interval plus the
 * query's own time, both reported.
 */
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import type { Collection } from 'mongodb';
import { setTimeout as sleep } from 'node:timers/promises';
import { TICKET_INDEX } from '../../processors/sinks/search-index.js';
import { liveViewKeys } from '../../processors/sinks/live-views.js';
import type { StoredTicket } from '../../processors/sinks/ticket-store.js';
import { STORES, type Store, type Track, type Tracker } from './tracker.js';

/** Ids per query: the Mongo-wire server reads whole documents, so its batches are smaller. */
const BATCH: Readonly<Record<Store, number>> = { mongo: 250, search: 1000, redis: 1000 };

export interface PollStats {
  /** Queries sent and ids asked about. */
  queries: number;
  ids: number;
  /** Milliseconds each query took. */
  durations: number[];
}

export interface StoreClients {
  readonly tickets: Collection<StoredTicket>;
  readonly es: Client;
  readonly redis: Redis;
}

const now = () => performance.timeOrigin + performance.now();

/** Each ticket's queue as the store holds it (null: present without a queue, or without a routing decision). */
type Lookup = (tracks: readonly Track[]) => Promise<Map<Track, string | null>>;

function lookups({ tickets, es, redis }: StoreClients): Record<Store, Lookup> {
  return {
    async mongo(tracks) {
      const byKey = new Map(tracks.map((t) => [t.key, t]));
      const found = await tickets
        .find({ _id: { $in: [...byKey.keys()] } }, { projection: { queue: 1, 'routing.decision': 1 } })
        .toArray();
      return new Map(found.map((doc) => [byKey.get(doc._id)!, doc.routing ? doc.queue : null]));
    },
    async search(tracks) {
      const byKey = new Map(tracks.map((t) => [t.key, t]));
      const response = await es.search<{ queue: string | null }>({
        index: TICKET_INDEX,
        size: tracks.length,
        _source: ['queue'],
        query: { ids: { values: [...byKey.keys()] } },
      });
      return new Map(
        response.hits.hits.flatMap((hit) => {
          const track = byKey.get(hit._id ?? '');
          return track ? [[track, hit._source?.queue ?? null] as const] : [];
        }),
      );
    },
    async redis(tracks) {
      const pipeline = redis.pipeline();
      for (const t of tracks) pipeline.hget(liveViewKeys.ticket(t.orgId, t.ticketId), 'queue');
      const replies = (await pipeline.exec()) ?? [];
      const found = new Map<Track, string | null>();
      tracks.forEach((t, i) => {
        const [error, value] = replies[i] ?? [null, null];
        if (error) throw error;
        if (value !== null) found.set(t, value === '' ? null : (value as string));
      });
      return found;
    },
  };
}

export class VisibilityPoller {
  readonly stats: Record<Store, PollStats> = {
    mongo: { queries: 0, ids: 0, durations: [] },
    search: { queries: 0, ids: 0, durations: [] },
    redis: { queries: 0, ids: 0, durations: [] },
  };
  private running = false;
  private loops: Promise<void>[] = [];
  private failure: Error | undefined;

  constructor(
    private readonly tracker: Tracker,
    private readonly clients: StoreClients,
    readonly intervalMs: number,
  ) {}

  start(): void {
    this.running = true;
    const lookup = lookups(this.clients);
    this.loops = STORES.map((store) => this.loop(store, lookup[store]));
  }

  /** A store that keeps refusing the poller's queries fails the run rather than reading as lost tickets. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(store: Store, lookup: Lookup): Promise<void> {
    let failures = 0;
    while (this.running) {
      const started = now();
      const waiting = [...this.tracker.awaiting[store]];
      try {
        for (let i = 0; i < waiting.length && this.running; i += BATCH[store]) {
          const batch = waiting.slice(i, i + BATCH[store]);
          const sent = now();
          const found = await lookup(batch);
          const at = now();
          this.record(store, batch.length, at - sent);
          for (const [track, queue] of found) {
            if (queue === track.queue) this.tracker.seenIn(track, store, at);
            else track.mismatch[store] = queue;
          }
        }
        failures = 0;
      } catch (error) {
        if (++failures >= 20) {
          this.failure = new Error(`polling ${store} failed 20 times in a row: ${(error as Error).message}`);
          return;
        }
      }
      const wait = this.intervalMs - (now() - started);
      if (wait > 0) await sleep(wait);
    }
  }

  private record(store: Store, ids: number, ms: number): void {
    const s = this.stats[store];
    s.queries++;
    s.ids += ids;
    s.durations.push(ms);
  }
}
