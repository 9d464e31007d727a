/**
 * A broker restart during ingest: clients see 503s with Retry-After while Kafka is away, and every event
 * that was answered 202 is in Kafka afterwards. It restarts a shared server, so the test runner runs files
 * named `*.restarts-stack.integration.test.ts` after all others.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { stackServices } from '../../ops/stack/services/index.js';
import { Supervisor } from '../../ops/stack/supervisor.js';
import type { InteractionReceived } from '../../schemas/index.js';
import { collect, config, createTestTopics, type TestTopics } from '../testing/kafka-kit.js';
import { interactionRequest, startIngestProcess, type IngestProcess } from './ingest-process.js';

describe('ingest across a broker restart', () => {
  let ingest: IngestProcess;
  let topics: TestTopics;

  before(async () => {
    // A topic of its own: what it writes during the restart would otherwise be a backlog for a running demo.
    topics = await createTestTopics(['in']);
    ingest = await startIngestProcess('it-restart', topics.names[0]);
  });

  after(async () => {
    await ingest.stop();
    await topics.dispose();
  });

  test('a broker restart during ingest: clients get 503 with Retry-After, and every 202 arrives', async () => {
    const tap = await collect<InteractionReceived>(topics.names[0]!, 'InteractionReceived', { fromNow: true });
    const supervisor = new Supervisor(config.stack, stackServices, () => undefined);
    const accepted: string[] = [];
    const statuses = new Map<number, number>();
    let retryAfterSeen = false;
    let stopLoad = false;
    let n = 0;
    const worker = async () => {
      while (!stopLoad) {
        const response = await ingest.post('/v1/interactions', interactionRequest(n++)).catch(() => undefined);
        if (!response) continue;
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 202) accepted.push(((await response.json()) as { eventId: string }).eventId);
        else {
          if (response.status === 503 && response.headers.get('retry-after')) retryAfterSeen = true;
          await response.body?.cancel();
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, worker));
    try {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const before = accepted.length;
      await supervisor.stop('kafka');
      await new Promise((resolve) => setTimeout(resolve, 5000));
      assert.deepEqual(await supervisor.up(), [], 'Kafka restarts');
      const restartedAt = accepted.length;
      await new Promise((resolve) => setTimeout(resolve, 8000));
      stopLoad = true;
      await load;
      assert.ok(before > 0, 'accepted before the restart');
      assert.ok(accepted.length > restartedAt, 'accepted again after the restart');
      assert.ok((statuses.get(503) ?? 0) > 0, `clients saw 503s: ${JSON.stringify([...statuses])}`);
      assert.ok(retryAfterSeen, '503s carry Retry-After');
      assert.deepEqual(
        [...statuses.keys()].filter((s) => s !== 202 && s !== 503),
        [],
        'no other status than 202 and 503',
      );
      const arrived = new Set<string>();
      const missing = () => {
        for (const { event } of tap.records.slice(arrived.size)) arrived.add(event!.meta.eventId);
        return accepted.filter((id) => !arrived.has(id));
      };
      await tap
        .until(() => missing().length === 0, 120_000)
        .catch((error: Error) => {
          const lost = missing();
          const position = lost.map((id) => accepted.indexOf(id));
          throw new Error(
            `${error.message}; ${lost.length} of ${accepted.length} acknowledged events missing, at ${position.slice(0, 20).join(',')} (restart began after ${before}, ended at ${restartedAt})`,
          );
        });
    } finally {
      stopLoad = true;
      await load.catch(() => undefined);
      await tap.stop();
    }
  });
});
