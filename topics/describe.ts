/**
 * The topology as a table for people: one row per topic, with who writes it, who reads it, and where its
 * failures go. Derived from the declaration only, so it cannot drift from what apply creates.
 */
import { formatDuration, formatTable } from './format.js';
import { deadLettersOf, readersOf, writersOf } from './lookup.js';
import type { KeySpec, Topology, TopicSpec } from './model.js';

const list = (items: readonly string[]): string => (items.length === 0 ? '-' : items.join(', '));

function keyLabel(key: KeySpec): string {
  switch (key.kind) {
    case 'org':
      return 'orgId';
    case 'entity':
      return `orgId:${key.entity}`;
    case 'input':
      return "input's key";
  }
}

function retentionLabel(topic: TopicSpec): string {
  return topic.cleanup.policy === 'delete'
    ? formatDuration(topic.cleanup.retentionMs)
    : `latest per key (tombstones ${formatDuration(topic.cleanup.tombstoneRetentionMs)})`;
}

export function topologyRows(topology: Topology): string[][] {
  return topology.topics.map((topic) => [
    topic.name,
    topic.eventType ?? '(failed input)',
    keyLabel(topic.key),
    String(topic.partitions),
    retentionLabel(topic),
    topic.cleanup.policy,
    list(writersOf(topology, topic.name).map((n) => n.name)),
    list(readersOf(topology, topic.name).map((n) => n.name)),
    list(deadLettersOf(topology, topic.name)),
  ]);
}

export const TABLE_HEADER = [
  'topic',
  'event',
  'key',
  'partitions',
  'retention',
  'cleanup',
  'writer',
  'readers',
  'dead letters',
] as const;

export function renderTable(topology: Topology): string {
  return formatTable(TABLE_HEADER, topologyRows(topology));
}
