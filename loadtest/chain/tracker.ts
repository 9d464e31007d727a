/**
 * What the benchmark knows of each interaction it posted: when it was sent and answered, when each topic of
 * the chain carried it, when its routed revision reached the changelog, when each store first showed it
 * routed, and whether a processor dead-lettered it. The observer (Kafka) and the poller (stores) fill it in.
 */
import { ticketIdOf } from '../../connectors/http-ingest/ids.js';
import { ticketKey } from '../../processors/sinks/events.js';

/** The chain's topics in order, as the observer names them. */
export const HOP_TOPICS = ['received', 'enriched', 'classified', 'grounded', 'drafted', 'routed'] as const;
export const STORES = ['mongo', 'search', 'redis'] as const;
export type Store = (typeof STORES)[number];

export interface Track {
  readonly id: string;
  readonly phase: string;
  readonly orgId: string;
  readonly ticketId: string;
  /** `<org>:<ticket>`: the ticket's id in MongoDB and Elasticsearch. */
  readonly key: string;
  intendedAt: number;
  sentAt: number;
  answeredAt: number;
  /** HTTP status of the POST; undefined until answered. */
  status: number | undefined;
  /** Arrival per topic of HOP_TOPICS (NaN: not seen). */
  readonly arrivals: number[];
  /** Copies of the routing decision read beyond the first (at-least-once redelivery). */
  redelivered: number;
  /** What route decided, from RoutingDecided or the changelog, whichever came first. */
  queue: string | undefined;
  decision: string | undefined;
  intent: string | null | undefined;
  outOfScope: boolean | undefined;
  language: string | undefined;
  cited: boolean | undefined;
  /** When the changelog carried a revision with the routing decision. */
  changeAt: number;
  /** When each store first answered a poll with the ticket routed to its queue. */
  readonly seen: Record<Store, number>;
  /** What a store last answered for the ticket's queue when it did not match, for the report on losses. */
  readonly mismatch: Partial<Record<Store, string | null>>;
  visibleAt: number;
  deadLetteredBy: string | undefined;
}

export class Tracker {
  private readonly tracks = new Map<string, Track>();
  private readonly phases = new Map<string, Track[]>();
  /** Per store, routed tickets not seen there yet: what the poller asks about. */
  readonly awaiting: Record<Store, Set<Track>> = { mongo: new Set(), search: new Set(), redis: new Set() };
  /** Bumped on every fact learned, so a stall is a counter that stops moving. */
  progress = 0;

  add(id: string, phase: string, orgId: string): Track {
    const ticketId = ticketIdOf(orgId, id);
    const track: Track = {
      id,
      phase,
      orgId,
      ticketId,
      key: ticketKey(orgId, ticketId),
      intendedAt: NaN,
      sentAt: NaN,
      answeredAt: NaN,
      status: undefined,
      arrivals: HOP_TOPICS.map(() => NaN),
      redelivered: 0,
      queue: undefined,
      decision: undefined,
      intent: undefined,
      outOfScope: undefined,
      language: undefined,
      cited: undefined,
      changeAt: NaN,
      seen: { mongo: NaN, search: NaN, redis: NaN },
      mismatch: {},
      visibleAt: NaN,
      deadLetteredBy: undefined,
    };
    this.tracks.set(id, track);
    const list = this.phases.get(phase);
    if (list) list.push(track);
    else this.phases.set(phase, [track]);
    return track;
  }

  get(id: string | undefined): Track | undefined {
    return id === undefined ? undefined : this.tracks.get(id);
  }

  of(phase: string): readonly Track[] {
    return this.phases.get(phase) ?? [];
  }

  arrived(track: Track, hop: number, at: number): void {
    if (!Number.isNaN(track.arrivals[hop])) return;
    track.arrivals[hop] = at;
    this.progress++;
  }

  routed(track: Track, decision: { queue: string; decision: string; intent: string | null }): void {
    track.queue ??= decision.queue;
    track.decision ??= decision.decision;
    if (track.intent === undefined) track.intent = decision.intent;
  }

  /** The changelog carried the ticket routed: from now on the stores may show it, so the poller asks them. */
  changed(track: Track, at: number): void {
    if (!Number.isNaN(track.changeAt) || track.queue === undefined) return;
    track.changeAt = at;
    this.progress++;
    for (const store of STORES) if (Number.isNaN(track.seen[store])) this.awaiting[store].add(track);
  }

  seenIn(track: Track, store: Store, at: number): void {
    if (!Number.isNaN(track.seen[store])) return;
    track.seen[store] = at;
    delete track.mismatch[store];
    this.awaiting[store].delete(track);
    this.progress++;
    if (STORES.every((s) => !Number.isNaN(track.seen[s])))
      track.visibleAt = Math.max(...STORES.map((s) => track.seen[s]));
  }

  deadLettered(track: Track, stage: string): void {
    if (track.deadLetteredBy !== undefined) return;
    track.deadLetteredBy = stage;
    this.progress++;
    for (const store of STORES) this.awaiting[store].delete(track);
  }
}

/** Settled: visible in all three stores, dead-lettered, or refused at ingest. */
export const settled = (t: Track): boolean =>
  !Number.isNaN(t.visibleAt) || t.deadLetteredBy !== undefined || (t.status !== undefined && t.status !== 202);

/** How far each phase's interactions got, hop by hop: what a stall report shows. */
export function hopCounts(tracks: readonly Track[]): string {
  const count = (f: (t: Track) => boolean) => tracks.filter(f).length;
  const parts = [
    `posted ${count((t) => !Number.isNaN(t.sentAt))}`,
    `accepted ${count((t) => t.status === 202)}`,
    ...HOP_TOPICS.map((hop, i) => `${hop} ${count((t) => !Number.isNaN(t.arrivals[i]))}`),
    `changelog ${count((t) => !Number.isNaN(t.changeAt))}`,
    ...STORES.map((s) => `${s} ${count((t) => !Number.isNaN(t.seen[s]))}`),
    `all three ${count((t) => !Number.isNaN(t.visibleAt))}`,
  ];
  const dead = count((t) => t.deadLetteredBy !== undefined);
  const refused = count((t) => t.status !== undefined && t.status !== 202);
  return `${parts.join(' → ')}${dead ? `; dead-lettered ${dead}` : ''}${refused ? `; refused ${refused}` : ''} of ${tracks.length}`;
}
