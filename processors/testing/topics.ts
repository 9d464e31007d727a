/** Topic creation for tests, without the module-level clients of kafka-kit. */
import type { Admin } from 'kafkajs';

/**
 * Creates topics and waits until the broker's metadata names a leader for every partition. kafkajs's own
 * `waitForLeaders` gives up at the first "unknown topic" answer, which a busy broker gives for a moment after
 * creating a topic, so tests create their topics through this.
 */
export async function createTopicsWithLeaders(
  admin: Admin,
  topics: string[],
  partitions: number,
  configEntries: ReadonlyArray<{ name: string; value: string }> = [],
): Promise<void> {
  await admin.createTopics({
    topics: topics.map((topic) => ({ topic, numPartitions: partitions, configEntries: [...configEntries] })),
    waitForLeaders: false,
  });
  await untilLeadersKnown(admin, topics, partitions);
}

async function untilLeadersKnown(admin: Admin, topics: string[], partitions: number, withinMs = 60_000) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics });
      const led = found.every((t) => t.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0));
      if (led) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`no leaders for ${topics.join(', ')} within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
