/**
 * What every `ticketflow dlq` action reads: which dead-letter topics, which offset ranges of them, and the
 * filters given on the command line.
 */
import type { Admin } from 'kafkajs';
import { ticketflow } from '../../topics/topology.js';
import { UsageError } from './command.js';
import { topicOffsets, type TopicOffsets } from './consumer-groups.js';
import { deadLetterTopics, parseSince, type DeadLetterFilter } from './dead-letters.js';
import type { OffsetRange } from './partition-reader.js';

/** The topics to work on: those named (each must exist), or the topology's dead-letter topics that exist. */
export async function scopeTopics(admin: Admin, named: readonly string[] | undefined): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  if (named && named.length > 0) {
    const missing = named.filter((t) => !existing.has(t));
    if (missing.length > 0) throw new UsageError(`unknown topic ${missing.map((t) => JSON.stringify(t)).join(', ')}`);
    return [...new Set(named)];
  }
  return deadLetterTopics(ticketflow).filter((t) => existing.has(t));
}

/** Each partition from the first record at or after `since` (or its log start) to its log end now. */
export async function scanRanges(admin: Admin, topics: readonly string[], since?: number): Promise<OffsetRange[]> {
  const ranges = await Promise.all(
    topics.map(async (topic) => {
      const logs = (await topicOffsets(admin, topic)) as TopicOffsets;
      const byTime =
        since === undefined
          ? null
          : new Map(
              (await admin.fetchTopicOffsetsByTimestamp(topic, since)).map((o) => [o.partition, Number(o.offset)]),
            );
      return logs.partitions.map((p) => ({
        topic,
        partition: p.partition,
        from: Math.max(p.low, byTime?.get(p.partition) ?? p.low),
        to: p.high,
      }));
    }),
  );
  return ranges.flat();
}

export const size = (ranges: readonly OffsetRange[]) => ranges.reduce((n, r) => n + Math.max(0, r.to - r.from), 0);
export const iso = (ms: number) => new Date(ms).toISOString();

export function filterFrom(
  values: { stage?: string; 'error-class'?: string; since?: string },
  now: number,
): DeadLetterFilter {
  return {
    stage: values.stage,
    errorClass: values['error-class'],
    since: values.since === undefined ? undefined : parseSince(values.since, now),
  };
}
