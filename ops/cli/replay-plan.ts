/**
 * A replay's arguments and plan, without Kafka: what to reset to (earliest, offsets, a time), which partitions,
 * and per partition the current offset, the target and the difference. Every refusal is a UsageError naming the
 * flag and the rule, raised before anything is changed.
 */
import { UsageError } from './command.js';

export type ReplayTarget =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'offsets'; readonly offsets: ReadonlyMap<number, number> }
  | { readonly kind: 'datetime'; readonly at: number }
  | { readonly kind: 'duration'; readonly ms: number };

const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/** ISO-8601 durations as Kafka's tool takes them (days, hours, minutes, seconds): `PT1H`, `P1DT12H`, `PT90S`. */
export function parseIsoDuration(raw: string, flag: string): number {
  const match = DURATION.exec(raw.trim());
  if (!match || raw.trim().toUpperCase().endsWith('T') || match.slice(1).every((g) => g === undefined)) {
    throw new UsageError(`${flag} ${JSON.stringify(raw)}: must be an ISO-8601 duration such as PT1H, PT30M or P1DT12H`);
  }
  const [d, h, m, s] = match.slice(1).map((g) => Number(g ?? 0)) as [number, number, number, number];
  const ms = Math.round(((d * 24 + h) * 60 + m) * 60_000 + s * 1000);
  if (ms <= 0) throw new UsageError(`${flag} ${JSON.stringify(raw)}: must be longer than zero`);
  return ms;
}

/** An ISO-8601 date and time with a zone (`2026-05-01T09:00:00Z`, `…+02:00`); local times are ambiguous. */
export function parseIsoDatetime(raw: string, flag: string): number {
  const zoned = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(raw.trim());
  const at = Date.parse(raw.trim());
  if (!zoned || Number.isNaN(at)) {
    throw new UsageError(
      `${flag} ${JSON.stringify(raw)}: must be an ISO-8601 time with a zone, e.g. 2026-05-01T09:00:00Z`,
    );
  }
  return at;
}

const NUMBER = /^\d+$/;

/** `0,3` → [0, 3]. */
export function parsePartitions(raw: string, flag = '--partitions'): number[] {
  const items = raw.split(',').map((s) => s.trim());
  if (items.some((i) => !NUMBER.test(i))) {
    throw new UsageError(`${flag} ${JSON.stringify(raw)}: must be partition numbers separated by commas, e.g. 0,3`);
  }
  return [...new Set(items.map(Number))].sort((a, b) => a - b);
}

/** `0:120,3:4000` → {0 → 120, 3 → 4000}. */
export function parsePartitionOffsets(raw: string, flag = '--to-offset'): Map<number, number> {
  const offsets = new Map<number, number>();
  for (const item of raw.split(',').map((s) => s.trim())) {
    const [partition, offset, extra] = item.split(':');
    if (extra !== undefined || !NUMBER.test(partition ?? '') || !NUMBER.test(offset ?? '')) {
      throw new UsageError(`${flag} ${JSON.stringify(raw)}: must be partition:offset pairs, e.g. 0:120,3:4000`);
    }
    if (offsets.has(Number(partition))) throw new UsageError(`${flag} names partition ${partition} twice`);
    offsets.set(Number(partition), Number(offset));
  }
  return offsets;
}

export interface ReplayModeFlags {
  readonly 'to-earliest'?: boolean;
  readonly 'to-offset'?: string;
  readonly 'to-datetime'?: string;
  readonly 'by-duration'?: string;
}

/** Exactly one of the four modes; a time must not lie in the future. */
export function parseReplayTarget(flags: ReplayModeFlags, now: number): ReplayTarget {
  const given = (['to-earliest', 'to-offset', 'to-datetime', 'by-duration'] as const).filter(
    (f) => flags[f] !== undefined && flags[f] !== false,
  );
  if (given.length !== 1) {
    throw new UsageError(
      given.length === 0
        ? 'say where to: --to-earliest, --to-offset, --to-datetime or --by-duration'
        : `choose one of ${given.map((f) => `--${f}`).join(', ')}`,
      true,
    );
  }
  switch (given[0]!) {
    case 'to-earliest':
      return { kind: 'earliest' };
    case 'to-offset':
      return { kind: 'offsets', offsets: parsePartitionOffsets(flags['to-offset']!) };
    case 'to-datetime': {
      const at = parseIsoDatetime(flags['to-datetime']!, '--to-datetime');
      if (at > now) {
        throw new UsageError(
          `--to-datetime ${flags['to-datetime']} is in the future (now is ${new Date(now).toISOString()}); ` +
            'a group cannot be moved to records not yet written',
        );
      }
      return { kind: 'datetime', at };
    }
    case 'by-duration':
      return { kind: 'duration', ms: parseIsoDuration(flags['by-duration']!, '--by-duration') };
  }
}

/** Where the group stands on one partition of its scope, and for time targets the first offset at that time. */
export interface PartitionPosition {
  readonly topic: string;
  readonly partition: number;
  readonly committed: number | null;
  readonly logStart: number;
  readonly logEnd: number;
  /** First offset whose timestamp is at or after the target time (the log end when none is); time targets only. */
  readonly offsetAtTime?: number;
}

export interface PlanRow {
  readonly topic: string;
  readonly partition: number;
  readonly current: number | null;
  readonly target: number;
  /** target − current: negative replays records, positive skips them; null without a current offset. */
  readonly delta: number | null;
}

/** Which partitions a replay touches: the --to-offset partitions, narrowed by --partitions when both are given. */
export function scopePartitions(
  positions: readonly PartitionPosition[],
  target: ReplayTarget,
  partitions: readonly number[] | null,
): PartitionPosition[] {
  for (const p of partitions ?? []) {
    const topics = [...new Set(positions.map((x) => x.topic))];
    for (const topic of topics) {
      if (!positions.some((x) => x.topic === topic && x.partition === p)) {
        const count = positions.filter((x) => x.topic === topic).length;
        throw new UsageError(`--partitions: ${topic} has no partition ${p} (it has ${count}: 0 to ${count - 1})`);
      }
    }
  }
  if (target.kind === 'offsets') {
    for (const p of target.offsets.keys()) {
      if (!positions.some((x) => x.partition === p)) {
        throw new UsageError(`--to-offset: ${positions[0]?.topic ?? 'the topic'} has no partition ${p}`);
      }
    }
  }
  const scoped = positions.filter(
    (x) =>
      (partitions === null || partitions.includes(x.partition)) &&
      (target.kind !== 'offsets' || target.offsets.has(x.partition)),
  );
  if (scoped.length === 0) {
    throw new UsageError('the scope is empty: no partition is both named by --to-offset and listed in --partitions');
  }
  return scoped;
}

/** The new offset of each partition in scope; refuses offsets outside a partition's log. */
export function planReplay(scoped: readonly PartitionPosition[], target: ReplayTarget): PlanRow[] {
  return scoped.map((p) => {
    let to: number;
    switch (target.kind) {
      case 'earliest':
        to = p.logStart;
        break;
      case 'offsets': {
        to = target.offsets.get(p.partition)!;
        if (to > p.logEnd) {
          throw new UsageError(
            `--to-offset ${p.partition}:${to} is beyond the log end of ${p.topic}[${p.partition}] (${p.logEnd})`,
          );
        }
        if (to < p.logStart) {
          throw new UsageError(
            `--to-offset ${p.partition}:${to} is below the log start of ${p.topic}[${p.partition}] (${p.logStart}); ` +
              'older records were deleted by retention',
          );
        }
        break;
      }
      case 'datetime':
      case 'duration':
        if (p.offsetAtTime === undefined) throw new Error(`no offset by time for ${p.topic}[${p.partition}]`);
        to = Math.min(Math.max(p.offsetAtTime, p.logStart), p.logEnd);
        break;
    }
    return {
      topic: p.topic,
      partition: p.partition,
      current: p.committed,
      target: to,
      delta: p.committed === null ? null : to - p.committed,
    };
  });
}

/** The `--to-offset` that puts a topic's partitions back where the plan found them, for a rollback. */
export function rollbackOffsets(plan: readonly PlanRow[], topic: string): string | null {
  const rows = plan.filter((r) => r.topic === topic && r.current !== null);
  return rows.length === 0 ? null : rows.map((r) => `${r.partition}:${r.current}`).join(',');
}
