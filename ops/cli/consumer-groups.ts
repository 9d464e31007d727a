/**
 * What the broker knows of a consumer group, read the way Kafka's `kafka-consumer-groups.sh --describe` reads
 * it: the group's state and members (with what each was assigned), its committed offsets, and each partition's
 * log start and end. Lag is log end minus committed offset, and unknown (null) where nothing is committed.
 */
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import { consumerGroupId } from '../../topics/naming.js';
import { isConsumer, type Topology } from '../../topics/model.js';

// kafkajs is CommonJS; its named exports are not visible to Node's ESM loader.
const { AssignerProtocol } = kafkajs;

export interface GroupMember {
  readonly memberId: string;
  readonly clientId: string;
  /** As the broker reports it, e.g. `/127.0.0.1`. */
  readonly host: string;
  readonly assignment: ReadonlyArray<{ topic: string; partitions: number[] }>;
}

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset; null when it has none for this partition. */
  readonly committed: number | null;
  readonly logStart: number | null;
  /** The high watermark; null when the topic no longer exists. */
  readonly logEnd: number | null;
  readonly lag: number | null;
  readonly member: GroupMember | null;
}

export interface GroupDescription {
  readonly group: string;
  /** Kafka's group state: Stable, Empty, PreparingRebalance, CompletingRebalance, or Dead (unknown). */
  readonly state: string;
  readonly members: readonly GroupMember[];
  /** Assigned partitions and partitions with a committed offset, the rows Kafka's tool prints. */
  readonly partitions: readonly PartitionLag[];
  /** Sum of the known lags. */
  readonly totalLag: number;
}

/** A group is live while members are in it; Kafka accepts offset changes only for a group without any. */
export const isLive = (description: Pick<GroupDescription, 'state' | 'members'>): boolean =>
  description.members.length > 0 || !['Empty', 'Dead'].includes(description.state);

/** The consumer group of every stage and sink of the topology, in declaration order. */
export function topologyGroups(topology: Topology): string[] {
  return topology.nodes.filter(isConsumer).map((node) => consumerGroupId(topology.namespace, node.name));
}

/** The topology's groups, then any other group on the broker under the topology's namespace (`tf.`). */
export async function ticketflowGroups(admin: Admin, topology: Topology): Promise<string[]> {
  const declared = topologyGroups(topology);
  const { groups } = await admin.listGroups();
  const others = groups
    .map((g) => g.groupId)
    .filter((id) => id.startsWith(`${topology.namespace}.`) && !declared.includes(id))
    .sort();
  return [...declared, ...others];
}

function decodeMembers(members: ReadonlyArray<kafkajs.MemberDescription>, protocolType: string): GroupMember[] {
  return members.map((m) => {
    const decoded =
      protocolType === 'consumer' && m.memberAssignment.length > 0
        ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment)
        : null;
    const assignment = Object.entries(decoded?.assignment ?? {}).map(([topic, partitions]) => ({
      topic,
      partitions: [...partitions].sort((a, b) => a - b),
    }));
    return { memberId: m.memberId, clientId: m.clientId, host: m.clientHost, assignment };
  });
}

export interface TopicOffsets {
  readonly partitions: ReadonlyArray<{ partition: number; low: number; high: number }>;
}

/**
 * Log start and end of every partition, or null for a topic that does not exist. Existence is asked first:
 * kafkajs retries an unknown topic for seconds and then reports it as a generic retry failure.
 */
export async function topicOffsets(admin: Admin, topic: string): Promise<TopicOffsets | null> {
  if (!(await admin.listTopics()).includes(topic)) return null;
  const offsets = await admin.fetchTopicOffsets(topic);
  return {
    partitions: offsets
      .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
      .sort((a, b) => a.partition - b.partition),
  };
}

/** The group's committed offsets (every topic it committed on), without the -1 kafkajs reports for none. */
export async function committedOffsets(admin: Admin, group: string, topics?: string[]) {
  const fetched = await admin.fetchOffsets({ groupId: group, ...(topics ? { topics } : {}) });
  return fetched.flatMap(({ topic, partitions }) =>
    partitions
      .filter((p) => Number(p.offset) >= 0)
      .map((p) => ({ topic, partition: p.partition, offset: Number(p.offset), metadata: p.metadata })),
  );
}

export async function describeGroup(admin: Admin, group: string): Promise<GroupDescription> {
  const {
    groups: [found],
  } = await admin.describeGroups([group]);
  const state = found?.state ?? 'Dead';
  const members = found ? decodeMembers(found.members, found.protocolType) : [];
  const committed = await committedOffsets(admin, group);

  const owner = new Map<string, GroupMember>();
  const keys = new Map<string, { topic: string; partition: number }>();
  const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;
  for (const member of members) {
    for (const { topic, partitions } of member.assignment) {
      for (const partition of partitions) {
        owner.set(key(topic, partition), member);
        keys.set(key(topic, partition), { topic, partition });
      }
    }
  }
  const committedAt = new Map<string, number>();
  for (const c of committed) {
    committedAt.set(key(c.topic, c.partition), c.offset);
    keys.set(key(c.topic, c.partition), { topic: c.topic, partition: c.partition });
  }

  const topics = [...new Set([...keys.values()].map((k) => k.topic))].sort();
  const offsets = new Map(await Promise.all(topics.map(async (t) => [t, await topicOffsets(admin, t)] as const)));
  const partitions = [...keys.values()]
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
    .map(({ topic, partition }): PartitionLag => {
      const log = offsets.get(topic)?.partitions.find((p) => p.partition === partition);
      const at = committedAt.get(key(topic, partition)) ?? null;
      return {
        topic,
        partition,
        committed: at,
        logStart: log?.low ?? null,
        logEnd: log?.high ?? null,
        lag: at !== null && log ? log.high - at : null,
        member: owner.get(key(topic, partition)) ?? null,
      };
    });
  const totalLag = partitions.reduce((sum, p) => sum + (p.lag ?? 0), 0);
  return { group, state, members, partitions, totalLag };
}

/** Unknown: neither declared by the topology nor known to the broker (no members, no offsets). */
export function isUnknownGroup(group: GroupDescription, topology: Topology): boolean {
  return (
    !topologyGroups(topology).includes(group.group) &&
    group.state === 'Dead' &&
    group.partitions.length === 0 &&
    group.members.length === 0
  );
}

/**
 * Commits offsets for a group without members, as Kafka's tool does, in one join: a consumer joins the group
 * (alone), commits, and leaves. kafkajs's admin.setOffsets does the same per topic but then waits for a fetch
 * (five seconds each).
 */
export async function commitGroupOffsets(
  kafka: Kafka,
  group: string,
  offsets: ReadonlyArray<{ topic: string; partition: number; offset: number }>,
): Promise<void> {
  const topics = [...new Set(offsets.map((o) => o.topic))];
  // A short fetch wait: leaving the group waits for the fetch in progress, which would otherwise last 5 s.
  const consumer = kafka.consumer({ groupId: group, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  try {
    await consumer.subscribe({ topics });
    await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
    consumer.pause(topics.map((topic) => ({ topic })));
    await joined;
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { members } = await describeGroup(admin, group);
      if (members.length > 1) throw new Error(`${group} gained a member while its offsets were being reset`);
    } finally {
      await admin.disconnect();
    }
    await consumer.commitOffsets(
      offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })),
    );
  } finally {
    await consumer.disconnect();
  }
}
