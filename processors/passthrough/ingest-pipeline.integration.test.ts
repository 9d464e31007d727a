/**
 * The spine end to end: interactions posted to the real HTTP ingest process, carried by Kafka through a
 * pass-through stage process; every accepted interaction arrives downstream once after deduplication.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { InteractionReceived } from '../../schemas/index.js';
import { deriveEventId } from '../runtime/ids.js';
import { collect, createTestTopics, exited, spawnPassthrough, type TestTopics } from '../testing/kafka-kit.js';
import { interactionRequest, startIngestProcess, type IngestProcess } from './ingest-process.js';

describe('ingest → Kafka → pass-through stage', () => {
  let ingest: IngestProcess;
  let topics: TestTopics;

  before(async () => {
    // Ingest writes to a topic of the test's own: 10,000 events on the pipeline's topic would be a backlog for
    // every consumer group that reads it, the end-to-end test's among them.
    topics = await createTestTopics(['in', 'out', 'dlq']);
    ingest = await startIngestProcess('it-pipeline', topics.names[0]);
  });

  after(async () => {
    await ingest.stop();
    await topics.dispose();
  });

  test('10,000 interactions posted to ingest each arrive downstream, once after dedupe', async () => {
    const [input, output, dlq] = topics.names as [string, string, string];
    const group = `${output}.group`;
    const accepted: string[] = [];
    for (let i = 0; i < 100; i += 5) {
      const responses = await Promise.all(
        [0, 1, 2, 3, 4].map((j) =>
          ingest.post('/v1/interactions/batch', {
            interactions: Array.from({ length: 100 }, (_, k) => interactionRequest((i + j) * 100 + k)),
          }),
        ),
      );
      for (const response of responses) {
        assert.equal(response.status, 202, `batch refused: ${response.status} ${await response.clone().text()}`);
        const { items } = (await response.json()) as { items: Array<{ eventId: string }> };
        accepted.push(...items.map((item) => item.eventId));
      }
    }
    assert.equal(accepted.length, 10_000);

    const out = await collect<InteractionReceived>(output, 'InteractionReceived');
    const stage = spawnPassthrough({ input, output, deadLetter: dlq, group });
    try {
      await out.until((r) => r.length >= accepted.length, 180_000);
      const downstream = new Set(out.records.map((r) => r.event!.meta.eventId));
      assert.deepEqual(downstream, new Set(accepted.map((id) => deriveEventId(id, 'passthrough', 0))));
      assert.ok(
        out.records.every(
          (r) => r.event!.meta.orgId === ingest.orgId && r.event!.meta.producer.stage === 'passthrough',
        ),
      );
    } finally {
      stage.kill('SIGTERM');
      await exited(stage);
      await out.stop();
    }
  });
});
