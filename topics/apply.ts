/**
 * Makes a cluster match a topology: creates missing topics, grows partitions, rewrites configs that drifted.
 * It reads the cluster, plans (plan.ts), and only then changes anything; a plan that would shrink a topic is
 * refused as a whole, so a mistaken declaration never leaves the cluster half-applied.
 */
import kafkajs, { type Admin } from 'kafkajs';
import type { Topology } from './model.js';
import {
  describeTopicPlan,
  partitionGrowthWarning,
  planTopology,
  refusals,
  type ConfigMap,
  type ObservedTopic,
  type Plan,
} from './plan.js';
import { assertValidTopology } from './validate.js';

// Named imports of these fail at runtime: kafkajs is CommonJS with exports Node cannot detect statically.
const { ConfigResourceTypes, ConfigSource } = kafkajs;

export interface ApplyOptions {
  /** Plan and report, change nothing. */
  readonly dryRun?: boolean;
  /** Receives one line per topic as it is handled, and warnings. */
  readonly log?: (line: string) => void;
}

export interface ApplyReport {
  readonly plan: Plan;
  readonly applied: boolean;
  readonly warnings: readonly string[];
}

export class ApplyRefusedError extends Error {
  override name = 'ApplyRefusedError';

  constructor(readonly plan: Plan) {
    const reasons = refusals(plan).map((r) => `${r.topic} ${r.reason}`);
    super(`apply refused, nothing was changed:\n  ${reasons.join('\n  ')}`);
  }
}

const toEntries = (configs: ConfigMap) => Object.entries(configs).map(([name, value]) => ({ name, value }));

async function observe(admin: Admin, names: readonly string[]): Promise<ObservedTopic[]> {
  if (names.length === 0) return [];
  const [metadata, configs] = await Promise.all([
    admin.fetchTopicMetadata({ topics: [...names] }),
    admin.describeConfigs({
      resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
      includeSynonyms: false,
    }),
  ]);
  return metadata.topics.map((topic) => {
    const entries = configs.resources.find((r) => r.resourceName === topic.name)?.configEntries ?? [];
    const overrides = Object.fromEntries(
      entries
        .filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG)
        .map((e) => [e.configName, e.configValue] as const),
    );
    return { name: topic.name, partitions: topic.partitions.length, overrides };
  });
}

/** Reads the cluster's state of a topology's topics and works out what apply would do. */
export async function planAgainstCluster(admin: Admin, topology: Topology): Promise<Plan> {
  assertValidTopology(topology);
  const existing = await admin.listTopics();
  const present = new Set(existing);
  const declaredPresent = topology.topics.map((t) => t.name).filter((name) => present.has(name));
  return planTopology(topology, await observe(admin, declaredPresent), existing);
}

export async function applyTopology(
  admin: Admin,
  topology: Topology,
  options: ApplyOptions = {},
): Promise<ApplyReport> {
  const log = options.log ?? (() => undefined);
  const plan = await planAgainstCluster(admin, topology);
  const width = Math.max(...plan.topics.map((t) => t.topic.length));
  const report = (topic: string, line: string): void => log(`${topic.padEnd(width)}  ${line}`);
  const warnings = plan.undeclared.map(
    (name) => `${name}: in the ${topology.namespace} namespace but not declared; left as it is`,
  );

  if (options.dryRun || refusals(plan).length > 0) {
    for (const t of plan.topics) report(t.topic, describeTopicPlan(t));
    warnings.forEach((w) => log(`warning: ${w}`));
    if (refusals(plan).length > 0) throw new ApplyRefusedError(plan);
    return { plan, applied: false, warnings };
  }

  const creates = plan.topics.flatMap((t) => (t.action === 'create' ? [t] : []));
  if (creates.length > 0) {
    await admin.createTopics({
      // -1: the broker's default.replication.factor, so one declaration fits one node and a real cluster.
      topics: creates.map((t) => ({
        topic: t.topic,
        numPartitions: t.partitions,
        replicationFactor: -1,
        configEntries: toEntries(t.configs),
      })),
      waitForLeaders: true,
    });
  }
  for (const t of plan.topics) {
    if (t.action === 'update') {
      if (t.partitions) {
        await admin.createPartitions({ topicPartitions: [{ topic: t.topic, count: t.partitions.to }] });
        warnings.push(partitionGrowthWarning(t.topic));
      }
      if (t.configChanges.length > 0) {
        await admin.alterConfigs({
          validateOnly: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name: t.topic, configEntries: toEntries(t.configs) }],
        });
      }
    }
    report(t.topic, describeTopicPlan(t, true));
  }
  warnings.forEach((w) => log(`warning: ${w}`));
  return { plan, applied: true, warnings };
}
