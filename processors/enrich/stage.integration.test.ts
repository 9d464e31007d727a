/**
 * The enrich stage on the shared runtime, end to end on the stack: interactions through real Kafka and the
 * schema registry, customer context from PostgreSQL (a scratch schema) read once per batch, enriched events read
 * back from the output topic with the registered InteractionEnriched schema.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { InteractionEnriched, InteractionReceived } from '../../schemas/index.js';
import { deriveEventId } from '../runtime/ids.js';
import { Dependency } from '../runtime/dependency.js';
import { startStages, type RunningStages } from '../runtime/main.js';
import { explicitWiring } from '../runtime/wiring.js';
import { collect, config, createTestTopics, produceInteractions, type TestTopics } from '../testing/kafka-kit.js';
import { CustomerContexts } from './customers.js';
import { enrichStage } from './stage.js';
import { scratchDatabase, type ScratchDatabase } from './test-support.js';

let db: ScratchDatabase;
let input: TestTopics;
let output: TestTopics;
let stage: RunningStages;

before(async () => {
  db = await scratchDatabase('enrich_stage');
  await db.pool.query(`INSERT INTO organizations (id, name) VALUES ('org-acme', 'Acme')`);
  await db.pool.query(`INSERT INTO sla_policies (org_id, policy_id, name, first_response_p1_minutes,
                         first_response_p2_minutes, first_response_p3_minutes, is_default)
                       VALUES ('org-acme', 'sla-premium', 'Premium', 30, 120, 480, true)`);
  await db.pool.query(`INSERT INTO customers (org_id, customer_id, plan, tier)
                       VALUES ('org-acme', 'cust-311', 'pro-annual', 'PREMIUM')`);
  input = await createTestTopics(['in'], 'InteractionReceived', 3);
  output = await createTestTopics(['out', 'dlq'], 'InteractionEnriched', 3);
  const postgres = new Dependency('postgres', { probe: () => db.pool.query('SELECT 1') });
  const customers = new CustomerContexts({ db: db.pool, postgres, fallbackAfterMs: 10_000 });
  stage = await startStages(
    [
      {
        stage: enrichStage({ customers }),
        wiring: explicitWiring({
          groupId: `${input.prefix}.enrich`,
          inputTopics: input.names,
          outputTopic: output.names[0]!,
          deadLetterTopic: output.names[1]!,
          event: 'InteractionReceived',
        }),
      },
    ],
    { config: { ...config, logLevel: 'silent' }, dependencies: [postgres] },
  );
});

after(async () => {
  await stage?.stop();
  await input?.dispose();
  await output?.dispose();
  await db?.drop();
});

test('received interactions come out redacted, with language, sentiment and customer context', async () => {
  const base = sampleEvents.InteractionReceived;
  const events: InteractionReceived[] = Array.from({ length: 20 }, (_, i) => ({
    ...base,
    meta: { ...base.meta, eventId: randomUUID(), conversationId: `conv-${i % 4}` },
    customer: i % 2 === 0 ? base.customer : { customerId: `stranger-${i}`, externalId: null },
  }));
  const enriched = await collect<InteractionEnriched>(output.names[0]!, 'InteractionEnriched');
  try {
    await produceInteractions(input.names[0]!, events);
    await enriched.until((records) => records.length >= events.length);
    const byId = new Map(enriched.records.map((r) => [r.event!.meta.eventId, r.event!]));
    for (const [i, event] of events.entries()) {
      const out = byId.get(deriveEventId(event.meta.eventId, 'enrich', 0));
      assert.ok(out, `no output for event ${i}`);
      assert.equal(out.interaction.interactionId, event.meta.eventId);
      assert.equal(
        out.enrichment.redactedBody,
        'Hi, I was charged twice on card [CARD]. Please refund one charge. Reach me at [EMAIL].',
      );
      assert.deepEqual(out.enrichment.piiKinds, ['EMAIL', 'PAYMENT_CARD']);
      assert.equal(out.enrichment.language, 'en');
      assert.equal(out.enrichment.sentiment.label, 'NEGATIVE');
      const premium = { policyId: 'sla-premium', name: 'Premium', firstResponseMinutes: { P1: 30, P2: 120, P3: 480 } };
      // Decoded Avro records are class instances; compare their data.
      assert.deepEqual(
        JSON.parse(JSON.stringify(out.enrichment.customer)),
        i % 2 === 0
          ? { known: true, plan: 'pro-annual', tier: 'PREMIUM', slaPolicy: premium, source: 'STORE' }
          : { known: false, plan: null, tier: 'UNKNOWN', slaPolicy: premium, source: 'STORE' },
      );
    }
    assert.equal(enriched.records.length, events.length, 'nothing extra, nothing dead-lettered in its place');
  } finally {
    await enriched.stop();
  }
});
