/**
 * What apply would change: the declaration compared with what the cluster has, as data. Kept free of I/O so
 * every decision (create, grow, reconfigure, refuse) is testable without a broker, and a dry run shows
 * exactly what a real run does.
 */
import { formatDuration } from './format.js';
import { FOREVER, type Topology, type TopicSpec } from './model.js';

export type ConfigMap = Readonly<Record<string, string>>;

/**
 * Every topic-level config apply sets. kafkajs only has the non-incremental AlterConfigs, which replaces a
 * topic's whole set of overrides, so this is the complete set: an override not in it is removed.
 */
export function managedConfigs(topic: TopicSpec): ConfigMap {
  if (topic.cleanup.policy === 'delete') {
    return { 'cleanup.policy': 'delete', 'retention.ms': String(topic.cleanup.retentionMs) };
  }
  return {
    'cleanup.policy': 'compact',
    // Meaningless under compaction alone; set so the topic reads "kept forever" rather than the broker's 7 days.
    'retention.ms': String(FOREVER),
    'delete.retention.ms': String(topic.cleanup.tombstoneRetentionMs),
  };
}

export interface ObservedTopic {
  readonly name: string;
  readonly partitions: number;
  /** Configs set on the topic itself, as opposed to inherited from the broker. */
  readonly overrides: ConfigMap;
}

/** `to: null` removes an override, so the broker's default applies again. */
export interface ConfigChange {
  readonly name: string;
  readonly from: string | null;
  readonly to: string | null;
}

export type TopicPlan =
  | { readonly action: 'create'; readonly topic: string; readonly partitions: number; readonly configs: ConfigMap }
  | { readonly action: 'unchanged'; readonly topic: string }
  | {
      readonly action: 'update';
      readonly topic: string;
      readonly partitions: { readonly from: number; readonly to: number } | null;
      readonly configs: ConfigMap;
      readonly configChanges: readonly ConfigChange[];
    }
  | { readonly action: 'refuse'; readonly topic: string; readonly reason: string };

export interface Plan {
  readonly topics: readonly TopicPlan[];
  /** Topics in the topology's namespace that it does not declare; reported, never deleted. */
  readonly undeclared: readonly string[];
}

export function diffConfigs(observed: ConfigMap, desired: ConfigMap): ConfigChange[] {
  const names = [...new Set([...Object.keys(desired), ...Object.keys(observed)])].sort();
  return names
    .map((name) => ({ name, from: observed[name] ?? null, to: desired[name] ?? null }))
    .filter((c) => c.from !== c.to);
}

function planTopic(spec: TopicSpec, observed: ObservedTopic | undefined): TopicPlan {
  const configs = managedConfigs(spec);
  if (!observed) return { action: 'create', topic: spec.name, partitions: spec.partitions, configs };
  if (observed.partitions > spec.partitions) {
    return {
      action: 'refuse',
      topic: spec.name,
      reason:
        `has ${observed.partitions} partitions but is declared with ${spec.partitions}; Kafka cannot remove ` +
        `partitions. Declare ${observed.partitions} or more, or create a new topic version and migrate.`,
    };
  }
  const partitions = observed.partitions < spec.partitions ? { from: observed.partitions, to: spec.partitions } : null;
  const configChanges = diffConfigs(observed.overrides, configs);
  if (!partitions && configChanges.length === 0) return { action: 'unchanged', topic: spec.name };
  return { action: 'update', topic: spec.name, partitions, configs, configChanges };
}

export function planTopology(
  topology: Topology,
  observed: readonly ObservedTopic[],
  existing: readonly string[],
): Plan {
  const byName = new Map(observed.map((o) => [o.name, o]));
  const declared = new Set(topology.topics.map((t) => t.name));
  return {
    topics: topology.topics.map((spec) => planTopic(spec, byName.get(spec.name))),
    undeclared: existing.filter((name) => name.startsWith(`${topology.namespace}.`) && !declared.has(name)).sort(),
  };
}

export const refusals = (plan: Plan): Extract<TopicPlan, { action: 'refuse' }>[] =>
  plan.topics.filter((t): t is Extract<TopicPlan, { action: 'refuse' }> => t.action === 'refuse');

function formatValue(name: string, value: string | null): string {
  if (value === null) return '(broker default)';
  return name.endsWith('.ms') && /^-?\d+$/.test(value) ? `${value} (${formatDuration(Number(value))})` : value;
}

function formatConfigs(configs: ConfigMap): string {
  return Object.entries(configs)
    .map(([name, value]) => `${name}=${formatValue(name, value)}`)
    .join(', ');
}

/** One line per topic: what apply would do to it, or with `done`, what it did. */
export function describeTopicPlan(plan: TopicPlan, done = false): string {
  switch (plan.action) {
    case 'create':
      return `${done ? 'created' : 'create'}: ${plan.partitions} partitions, ${formatConfigs(plan.configs)}`;
    case 'unchanged':
      return 'unchanged';
    case 'refuse':
      return `REFUSED: ${plan.reason}`;
    case 'update': {
      const parts = plan.configChanges.map(
        (c) => `${c.name} ${formatValue(c.name, c.from)} -> ${formatValue(c.name, c.to)}`,
      );
      if (plan.partitions) parts.unshift(`partitions ${plan.partitions.from} -> ${plan.partitions.to}`);
      return `${done ? 'updated' : 'update'}: ${parts.join('; ')}`;
    }
  }
}

/** Growing a topic re-maps keys, which ordering-sensitive consumers have to know about. */
export function partitionGrowthWarning(topic: string): string {
  return (
    `${topic}: keys now hash to different partitions; order per key across the change holds only once ` +
    'consumers have drained what was written before it'
  );
}
