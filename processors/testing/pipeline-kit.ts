/** Helpers for tests that run the real pipeline on its own topics and groups. */
import { PROCESSOR_APPS } from '../../ops/stack/apps.js';
import { consumerBinding } from '../../topics/lookup.js';
import { ticketflow } from '../../topics/topology.js';
import { kafka, startGroupAtEnd, topicEnds, uncommitted } from './kafka-kit.js';

/**
 * Moves each processor group that has no members to the current end of its inputs. What other tests and
 * benchmarks left on the shared topics is no part of the test, and a fresh group would otherwise start by
 * working through all of it. A group with members (a running demo's processes) is live and left alone.
 */
export async function skipHistoryOfIdleGroups(): Promise<void> {
  const bindings = PROCESSOR_APPS.map((app) => consumerBinding(ticketflow, app.name));
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups(bindings.map((b) => b.groupId));
    const idle = bindings.filter((b) => !groups.some((g) => g.groupId === b.groupId && g.members.length > 0));
    // Moving a group's offsets joins it for a few seconds, so only topics with something to skip are moved.
    await Promise.all(
      idle.map(async ({ groupId, inputs }) => {
        for (const { name: topic } of inputs) {
          if ((await uncommitted(admin, groupId, await topicEnds(admin, [topic]))) > 0) {
            await startGroupAtEnd(groupId, topic);
          }
        }
      }),
    );
  } finally {
    await admin.disconnect();
  }
}
