/**
 * Hands out partitions by number: a member gets partition p of every topic the group reads, like Kafka Streams'
 * co-partitioning. Every topic of ticketflow has the same partition count and every producer keys an
 * interaction's events alike, so an interaction's events on every topic, its commands and its ticket's changes
 * share a partition number; with this assignment one member holds all of them, and a sink reading several
 * topics writes each ticket from one place (its compare-and-set then only guards rebalances and replays).
 * kafkajs's own round-robin deals a group's topic-partitions out one by one instead, splitting them.
 */
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

export const CO_PARTITIONED = 'TicketflowCoPartitioned';

export interface PartitionCounts {
  /** Partition ids of a topic, as the cluster's metadata has them. */
  partitionsOf(topic: string): readonly number[];
}

/** member id → topic → partitions: partition p of every topic goes to the (p mod n)-th member by id. */
export function coPartitionedAssignment(
  memberIds: readonly string[],
  topics: readonly string[],
  counts: PartitionCounts,
): Map<string, Record<string, number[]>> {
  const members = [...memberIds].sort();
  const assignment = new Map(members.map((m) => [m, {} as Record<string, number[]>]));
  for (const topic of [...topics].sort()) {
    for (const partition of counts.partitionsOf(topic)) {
      const member = assignment.get(members[partition % members.length]!)!;
      (member[topic] ??= []).push(partition);
    }
  }
  return assignment;
}

export const CoPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CO_PARTITIONED,
  version: 1,
  async assign({ members, topics }) {
    const counts: PartitionCounts = {
      partitionsOf: (topic) => cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId),
    };
    const assignment = coPartitionedAssignment(
      members.map((m) => m.memberId),
      topics,
      counts,
    );
    return [...assignment].map(([memberId, byTopic]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 1,
        assignment: byTopic,
        userData: Buffer.alloc(0),
      }),
    }));
  },
  protocol({ topics }) {
    return {
      name: CO_PARTITIONED,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
    };
  },
});
