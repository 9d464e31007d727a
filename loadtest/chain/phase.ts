/**
 * One phase of the pipeline benchmark: post its interactions on a schedule (a burst, or a steady rate), then
 * wait until every accepted one is visible in all three stores or dead-lettered. A phase whose pipeline has
 * drained (every group caught up) counts what is still missing as lost; one that makes no progress at all
 * for the stall limit while work is still queued fails the run with counts per hop.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Mark, ProcSampler, ProcessUsage } from './proc-stats.js';
import type { Poster, PostResult, Schedule } from './poster.js';
import { HOP_TOPICS, hopCounts, settled, STORES, type Store, type Track, type Tracker } from './tracker.js';
import type { PollStats, VisibilityPoller } from './visibility.js';
import type { BenchInteraction, Workload } from './workload.js';
import { percentile } from '../stats.js';

/** The run cannot go on: a stall, a process that died, groups that never caught up. Its message says it all. */
export class BenchmarkFailure extends Error {
  override name = 'BenchmarkFailure';
}

export interface PhaseSpec {
  /** `warm-up`, `burst` or `steady`. */
  readonly name: string;
  /** Prefix of the phase's interaction ids. */
  readonly prefix: string;
  readonly count: number;
  readonly schedule: Schedule;
}

export interface PhaseContext {
  readonly workload: Workload;
  readonly orgs: ReadonlyArray<{ id: string; key: string }>;
  readonly tracker: Tracker;
  readonly poster: Poster;
  readonly poller: VisibilityPoller;
  readonly sampler: ProcSampler;
  readonly ingestUrl: URL;
  /** Throws when a process died or the run was interrupted. */
  readonly check: () => void;
  /** Records each processor group has yet to commit. */
  readonly lag: () => Promise<Map<string, number>>;
  readonly log: (line: string) => void;
  readonly stallMs: number;
  /** After the last POST was answered, what is not visible by then is lost. */
  readonly deadlineMs: number;
}

export interface Percentiles {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface HopLatency extends Percentiles {
  readonly name: string;
  readonly what: string;
}

export interface PhaseResult {
  name: string;
  /** Requests sent. */
  interactions: number;
  accepted: number;
  /** Answers other than 202, by status (0: no answer). */
  refused: Record<string, number>;
  visible: number;
  /** Accepted but not visible in all three stores by the end: dead-lettered, or missing when the pipeline drained. */
  lost: number;
  deadLettered: Record<string, number>;
  /** Where the lost ones stopped, e.g. `never routed`, `not searchable`. */
  lostAt: Record<string, number>;
  /** Set afterwards by the integrity check. */
  duplicated: number;
  targetPerSec: number | null;
  /** Accepted POSTs per second, from the first to the last sent. */
  postedPerSec: number;
  /** Interactions visible in all three stores per second, from the first POST to the last visible. */
  perSec: number;
  seconds: number;
  /** POST (its scheduled time) → visible in all three stores. */
  latency: Percentiles;
  hops: HopLatency[];
  /** How late the poster sent requests against the schedule (p99, ms). */
  posterLateP99Ms: number;
  /** Routing decisions read more than once (at-least-once redelivery, invisible to users). */
  redelivered: number;
  sent: Composition;
  outcome: Outcome;
  processes: ProcessUsage[];
  machine: { busyCpuSeconds: number; cpuSecondsAvailable: number; loadAtStart: number; loadMax: number };
  polls: Record<Store, { queries: number; ids: number; p50Ms: number; p99Ms: number }>;
}

/** What was sent: the workload's mix as drawn. */
export interface Composition {
  orgs: Record<string, number>;
  languages: Record<string, number>;
  channels: Record<string, number>;
  lengths: Record<string, number>;
  intents: number;
  outOfScope: number;
  withPii: number;
  upset: number;
  bodyChars: Percentiles;
}

/** What the pipeline made of it, from the routing decisions. */
export interface Outcome {
  intents: number;
  outOfScope: number;
  autoReplied: number;
  citing: number;
  languages: Record<string, number>;
}

const tally = (values: readonly string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
};

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return {
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? NaN,
  };
}

function composition(sent: readonly BenchInteraction[], orgIds: readonly string[]): Composition {
  return {
    orgs: tally(sent.map((i) => orgIds[i.org]!)),
    languages: tally(sent.map((i) => i.language)),
    channels: tally(sent.map((i) => i.request.channel)),
    lengths: tally(sent.map((i) => i.length)),
    intents: new Set(sent.map((i) => i.intent).filter((i) => i !== null)).size,
    outOfScope: sent.filter((i) => i.intent === null).length,
    withPii: sent.filter((i) => i.pii.length > 0).length,
    upset: sent.filter((i) => i.upset).length,
    bodyChars: percentiles(sent.map((i) => i.request.body.length)),
  };
}

function outcome(visible: readonly Track[]): Outcome {
  return {
    intents: new Set(visible.map((t) => t.intent).filter((i) => i)).size,
    outOfScope: visible.filter((t) => t.outOfScope).length,
    autoReplied: visible.filter((t) => t.decision === 'AUTO_REPLY').length,
    citing: visible.filter((t) => t.cited).length,
    languages: tally(visible.map((t) => t.language ?? 'unknown')),
  };
}

/** Hop latencies over the tickets that made it, from the times the benchmark observed. */
export function hopLatencies(visible: readonly Track[]): HopLatency[] {
  const hop = (name: string, what: string, from: (t: Track) => number, to: (t: Track) => number): HopLatency => ({
    name,
    what,
    ...percentiles(visible.map((t) => to(t) - from(t))),
  });
  const stages = ['enrich', 'classify', 'retrieve', 'respond', 'route'];
  return [
    hop(
      'ingest',
      'POST sent → on the received topic',
      (t) => t.sentAt,
      (t) => t.arrivals[0]!,
    ),
    ...stages.map((stage, i) =>
      hop(
        stage,
        `${HOP_TOPICS[i]} → ${HOP_TOPICS[i + 1]}`,
        (t) => t.arrivals[i]!,
        (t) => t.arrivals[i + 1]!,
      ),
    ),
    hop(
      'ticket-store',
      'routed → routed revision on the changelog',
      (t) => t.arrivals[5]!,
      (t) => t.changeAt,
    ),
    hop(
      'MongoDB read-back',
      'changelog → found routed in MongoDB (poll delay)',
      (t) => t.changeAt,
      (t) => t.seen.mongo,
    ),
    hop(
      'search-index',
      'changelog → searchable in Elasticsearch',
      (t) => t.changeAt,
      (t) => t.seen.search,
    ),
    hop(
      'live-views',
      'changelog → queue in the Redis hash',
      (t) => t.changeAt,
      (t) => t.seen.redis,
    ),
    hop(
      'end to end',
      'POST → visible in all three stores',
      (t) => t.intendedAt,
      (t) => t.visibleAt,
    ),
  ];
}

/** Where an interaction that never became visible stopped. */
export function lostAt(t: Track): string {
  if (t.deadLetteredBy !== undefined) return `dead-lettered by ${t.deadLetteredBy}`;
  const hop = t.arrivals.findIndex((a) => Number.isNaN(a));
  if (hop >= 0) return `never reached ${HOP_TOPICS[hop]}`;
  if (Number.isNaN(t.changeAt)) return 'routed revision never on the changelog';
  const missing = STORES.filter((s) => Number.isNaN(t.seen[s]));
  return missing
    .map((s) => (s in t.mismatch ? `${s} shows queue ${String(t.mismatch[s])} not ${t.queue}` : `not in ${s}`))
    .join(', ');
}

function pollSummary(before: Record<Store, PollStats>, after: Record<Store, PollStats>): PhaseResult['polls'] {
  const out = {} as PhaseResult['polls'];
  for (const store of STORES) {
    const durations = after[store].durations.slice(before[store].durations.length);
    const p = percentiles(durations);
    out[store] = {
      queries: after[store].queries - before[store].queries,
      ids: after[store].ids - before[store].ids,
      p50Ms: p.p50Ms,
      p99Ms: p.p99Ms,
    };
  }
  return out;
}

const snapshot = (stats: Record<Store, PollStats>): Record<Store, PollStats> =>
  Object.fromEntries(STORES.map((s) => [s, { ...stats[s], durations: [...stats[s].durations] }])) as Record<
    Store,
    PollStats
  >;

export async function runPhase(ctx: PhaseContext, spec: PhaseSpec): Promise<PhaseResult> {
  const sent = Array.from({ length: spec.count }, (_, i) => ctx.workload.interaction(spec.prefix, i));
  const tracks = sent.map((interaction) => ctx.tracker.add(interaction.id, spec.name, ctx.orgs[interaction.org]!.id));
  const requests = sent.map((interaction) => ({
    id: interaction.id,
    key: ctx.orgs[interaction.org]!.key,
    body: JSON.stringify(interaction.request),
  }));
  const pollsBefore = snapshot(ctx.poller.stats);
  ctx.sampler.resetPeaks();
  const start = ctx.sampler.mark();
  let posting = true;
  const posted = ctx.poster
    .run({ base: ctx.ingestUrl.origin, requests, schedule: spec.schedule }, (results: readonly PostResult[]) => {
      for (const r of results) {
        const track = tracks[r.index]!;
        Object.assign(track, {
          intendedAt: r.intendedAt,
          sentAt: r.sentAt,
          answeredAt: r.answeredAt,
          status: r.status,
        });
        ctx.tracker.progress++;
      }
    })
    .finally(() => (posting = false));
  let end: Mark;
  try {
    await untilSettled(ctx, spec, tracks, () => posting);
  } finally {
    end = ctx.sampler.mark();
  }
  await posted;
  return summarize(ctx, spec, sent, tracks, start, end, pollsBefore);
}

async function untilSettled(ctx: PhaseContext, spec: PhaseSpec, tracks: readonly Track[], posting: () => boolean) {
  const ticker = setInterval(() => ctx.log(`${spec.name}: ${hopCounts(tracks)}`), 5000);
  let progress = -1;
  let movedAt = Date.now();
  let lastAnsweredAt = Infinity;
  let lagCheckedAt = 0;
  try {
    for (;;) {
      ctx.check();
      ctx.poller.check();
      if (!posting() && tracks.every(settled)) return;
      if (ctx.tracker.progress !== progress) [progress, movedAt] = [ctx.tracker.progress, Date.now()];
      if (!posting() && lastAnsweredAt === Infinity) lastAnsweredAt = Date.now();
      const still = Date.now() - movedAt;
      // Answers count as progress too, so this also catches an ingest that stopped answering.
      if (still >= 5000 && Date.now() - lagCheckedAt >= 2000) {
        lagCheckedAt = Date.now();
        const lag = await ctx.lag();
        const queued = [...lag.values()].reduce((a, b) => a + b, 0);
        // Every group committed everything and nothing has changed for a while: what is missing will not come.
        if (!posting() && queued === 0 && still >= 7000) return;
        if (still >= ctx.stallMs) {
          throw new BenchmarkFailure(
            `${spec.name} stalled: no progress for ${Math.round(still / 1000)} s; ${hopCounts(tracks)}; ` +
              `records not committed per group: ${[...lag].map(([g, n]) => `${g} ${n}`).join(', ')}`,
          );
        }
      }
      if (Date.now() - lastAnsweredAt > ctx.deadlineMs) {
        ctx.log(`${spec.name}: deadline of ${ctx.deadlineMs / 1000} s after the last POST passed`);
        return;
      }
      await sleep(100);
    }
  } finally {
    clearInterval(ticker);
    ctx.log(`${spec.name}: ${hopCounts(tracks)}`);
  }
}

function summarize(
  ctx: PhaseContext,
  spec: PhaseSpec,
  sent: readonly BenchInteraction[],
  tracks: readonly Track[],
  start: Mark,
  end: Mark,
  pollsBefore: Record<Store, PollStats>,
): PhaseResult {
  const accepted = tracks.filter((t) => t.status === 202);
  const visible = accepted.filter((t) => !Number.isNaN(t.visibleAt));
  const missing = accepted.filter((t) => Number.isNaN(t.visibleAt));
  const firstPost = Math.min(...tracks.map((t) => t.intendedAt));
  const lastSent = Math.max(...accepted.map((t) => t.sentAt));
  const firstSent = Math.min(...accepted.map((t) => t.sentAt));
  const lastVisible = Math.max(...visible.map((t) => t.visibleAt));
  const seconds = visible.length > 0 ? (lastVisible - firstPost) / 1000 : NaN;
  const loads = ctx.sampler.loadSamples();
  const hops = hopLatencies(visible);
  return {
    name: spec.name,
    interactions: spec.count,
    accepted: accepted.length,
    refused: tally(tracks.filter((t) => t.status !== 202).map((t) => String(t.status ?? 0))),
    visible: visible.length,
    lost: missing.length,
    deadLettered: tally(missing.flatMap((t) => (t.deadLetteredBy !== undefined ? [t.deadLetteredBy] : []))),
    lostAt: tally(missing.map(lostAt)),
    duplicated: 0,
    targetPerSec: spec.schedule.kind === 'rate' ? spec.schedule.perSecond : null,
    postedPerSec: accepted.length > 1 ? (accepted.length - 1) / ((lastSent - firstSent) / 1000) : NaN,
    perSec: visible.length > 0 ? visible.length / seconds : 0,
    seconds,
    latency: hops.at(-1)!,
    hops,
    posterLateP99Ms: percentiles(tracks.map((t) => t.sentAt - t.intendedAt)).p99Ms,
    redelivered: tracks.reduce((n, t) => n + t.redelivered, 0),
    sent: composition(
      sent,
      ctx.orgs.map((o) => o.id),
    ),
    outcome: outcome(visible),
    processes: ctx.sampler.usage(start, end),
    machine: {
      busyCpuSeconds: end.machine.busySeconds - start.machine.busySeconds,
      cpuSecondsAvailable: end.machine.totalSeconds - start.machine.totalSeconds,
      loadAtStart: start.load[0]!,
      loadMax: Math.max(start.load[0]!, ...loads),
    },
    polls: pollSummary(pollsBefore, ctx.poller.stats),
  };
}
