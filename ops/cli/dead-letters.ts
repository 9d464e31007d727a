/**
 * Dead letters as operators see them: a record of a `tf.dlq.<consumer>` topic read back into the failure the
 * runtime wrote in its headers (processors/runtime/headers.ts), the filters `dlq list` and `dlq redrive` take,
 * and how a redrive remembers what it re-produced.
 */
import type { IHeaders } from 'kafkajs';
import { HEADER, headerString } from '../../processors/runtime/headers.js';
import type { Topology } from '../../topics/model.js';
import { UsageError } from './command.js';
import type { ReadRecord } from './partition-reader.js';
import { parseIsoDatetime, parseIsoDuration } from './replay-plan.js';

/** How many times a record was re-produced from a dead-letter topic; set by `dlq redrive`, kept by the runtime. */
export const REDRIVE_COUNT_HEADER = HEADER.redriveCount;

export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: string | null;
  readonly errorClass: string;
  readonly errorMessage: string;
  readonly stage: string;
  readonly originalTopic: string | null;
  readonly originalPartition: number | null;
  readonly originalOffset: number | null;
  readonly attempts: number | null;
  /** When the runtime gave up; the record's timestamp when the header is missing. */
  readonly failedAt: number;
  readonly redriveCount: number;
  readonly headers: Readonly<Record<string, string>>;
}

const intOrNull = (raw: string | undefined): number | null =>
  raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : null;

export function headerStrings(headers: IHeaders): Record<string, string> {
  return Object.fromEntries(Object.keys(headers).map((name) => [name, headerString(headers, name) ?? '']));
}

export function toDeadLetter(record: ReadRecord): DeadLetter {
  const h = (name: string) => headerString(record.headers, name);
  const failedAt = Date.parse(h(HEADER.failedAt) ?? '');
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key?.toString('utf8') ?? null,
    errorClass: h(HEADER.errorClass) ?? '(none)',
    errorMessage: h(HEADER.errorMessage) ?? '',
    stage: h(HEADER.stage) ?? '(none)',
    originalTopic: h(HEADER.originalTopic) ?? null,
    originalPartition: intOrNull(h(HEADER.originalPartition)),
    originalOffset: intOrNull(h(HEADER.originalOffset)),
    attempts: intOrNull(h(HEADER.attempts)),
    failedAt: Number.isNaN(failedAt) ? record.timestamp : failedAt,
    redriveCount: intOrNull(h(REDRIVE_COUNT_HEADER)) ?? 0,
    headers: headerStrings(record.headers),
  };
}

export const coordinates = (r: { topic: string; partition: number; offset: number }): string =>
  `${r.topic}:${r.partition}:${r.offset}`;

/** `tf.dlq.enrich:1:42` → topic, partition, offset; the topic may itself contain colons. */
export function parseCoordinates(raw: string): { topic: string; partition: number; offset: number } {
  const match = /^(.+):(\d+):(\d+)$/.exec(raw.trim());
  if (!match) throw new UsageError(`${JSON.stringify(raw)}: must be topic:partition:offset, e.g. tf.dlq.enrich:1:42`);
  return { topic: match[1]!, partition: Number(match[2]), offset: Number(match[3]) };
}

/** `--since`: an ISO-8601 time with a zone, or a duration back from now (PT1H, P1D). */
export function parseSince(raw: string, now: number, flag = '--since'): number {
  const at = raw.trim().toUpperCase().startsWith('P') ? now - parseIsoDuration(raw, flag) : parseIsoDatetime(raw, flag);
  if (at > now) throw new UsageError(`${flag} ${raw} is in the future`);
  return at;
}

export interface DeadLetterFilter {
  readonly stage?: string | undefined;
  readonly errorClass?: string | undefined;
  /** Failed at or after, in ms. */
  readonly since?: number | undefined;
}

export function matches(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  return (
    (filter.stage === undefined || letter.stage === filter.stage) &&
    (filter.errorClass === undefined || letter.errorClass === filter.errorClass) &&
    (filter.since === undefined || letter.failedAt >= filter.since)
  );
}

/** The dead-letter topics of the topology, in declaration order. */
export const deadLetterTopics = (topology: Topology): string[] =>
  topology.topics.filter((t) => t.kind === 'dead-letter').map((t) => t.name);

export interface LetterCount {
  readonly stage: string;
  readonly errorClass: string;
  readonly count: number;
  readonly firstFailedAt: number;
  readonly lastFailedAt: number;
}

/** Dead letters counted per stage and error class, the largest first. */
export function countLetters(letters: Iterable<DeadLetter>): LetterCount[] {
  const counts = new Map<string, LetterCount>();
  for (const l of letters) {
    const key = `${l.stage}\u0000${l.errorClass}`;
    const c = counts.get(key);
    counts.set(key, {
      stage: l.stage,
      errorClass: l.errorClass,
      count: (c?.count ?? 0) + 1,
      firstFailedAt: Math.min(c?.firstFailedAt ?? Infinity, l.failedAt),
      lastFailedAt: Math.max(c?.lastFailedAt ?? -Infinity, l.failedAt),
    });
  }
  return [...counts.values()].sort(
    (a, b) => b.count - a.count || a.stage.localeCompare(b.stage) || a.errorClass.localeCompare(b.errorClass),
  );
}

/**
 * What a redrive group remembers per dead-letter partition: its committed offset (everything before it was
 * redriven) and, in the commit's metadata, the offsets after it that were redriven too (a filtered redrive
 * leaves gaps). Metadata is `redriven:a-b,c`; Kafka keeps up to 4 KiB of it by default.
 */
export const REDRIVE_METADATA_PREFIX = 'redriven:';
export const REDRIVE_METADATA_MAX = 4000;

export function encodeRedriven(offsets: Iterable<number>): string {
  const sorted = [...new Set(offsets)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j += 1;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return `${REDRIVE_METADATA_PREFIX}${parts.join(',')}`;
}

export function decodeRedriven(metadata: string | null | undefined): Set<number> {
  const offsets = new Set<number>();
  if (!metadata?.startsWith(REDRIVE_METADATA_PREFIX)) return offsets;
  for (const part of metadata.slice(REDRIVE_METADATA_PREFIX.length).split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) continue;
    const [from, to] = [Number(match[1]), Number(match[2] ?? match[1])];
    for (let o = from; o <= to; o += 1) offsets.add(o);
  }
  return offsets;
}

/** Moves the committed offset past every redriven offset right after it; the rest stay in the metadata. */
export function redriveCommit(committed: number, redriven: ReadonlySet<number>): { offset: number; metadata: string } {
  let offset = committed;
  while (redriven.has(offset)) offset += 1;
  return { offset, metadata: encodeRedriven([...redriven].filter((o) => o > offset)) };
}

/** The group that remembers what was redriven from a dead-letter topic. */
export const redriveGroup = (namespace: string, topic: string): string => `${namespace}.redrive.${topic}`;
