/**
 * The enrich stage on the shared runtime, end to end on the stack: interactions through real Kafka and the
 * schema registry, customer context from PostgreSQL (a scratch schema) through Redis, enriched events read
 * back from the output topic with the registered InteractionEnriched schema.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { InteractionEnriched, InteractionReceived } from '../../schemas/index.js';
import { deriveEventId } from '../runtime/ids.js';
import { startStage, type RunningStage } from '../runtime/main.js';
import { collect, config, createTestTopics, produceInteractions, type TestTopics } from '../runtime/test-kit.js';
import { createCustomerContextLookup } from './context.js';
import { enrichStage } from './stage.js';
import { scratchDatabase, type ScratchDatabase } from './test-support.js';

const keyPrefix = `tf:ctx:it-${randomUUID().slice(0, 8)}`;
const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
let db: ScratchDatabase;
let input: TestTopics;
let output: TestTopics;
let stage: RunningStage;

before(async () => {
  await redis.connect();
  db = await scratchDatabase('enrich_stage');
  await db.pool.query(`INSERT INTO organizations (id, name) VALUES ('org-acme', 'Acme')`);
  await db.pool.query(`INSERT INTO sla_policies (org_id, policy_id, name, first_response_p1_minutes,
                         first_response_p2_minutes, first_response_p3_minutes, is_default)
                       VALUES ('org-acme', 'sla-premium', 'Premium', 30, 120, 480, true)`);
  await db.pool.query(`INSERT INTO customers (org_id, customer_id, plan, tier)
                       VALUES ('org-acme', 'cust-311', 'pro-annual', 'PREMIUM')`);
  input = await createTestTopics(['in'], 'InteractionReceived', 3);
  output = await createTestTopics(['out', 'dlq'], 'InteractionEnriched', 3);
  const lookup = createCustomerContextLookup({ db: db.pool, redis, keyPrefix });
  stage = await startStage(
    enrichStage({ lookupCustomerContext: lookup }),
    {
      groupId: `${input.prefix}.enrich`,
      inputTopics: input.names,
      outputTopic: output.names[0]!,
      deadLetterTopic: output.names[1]!,
    },
    {},
    { ...config, logLevel: 'silent' },
  );
});

after(async () => {
  await stage?.stop();
  await input?.dispose();
  await output?.dispose();
  const keys = await redis.keys(`${keyPrefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
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
          ? { known: true, plan: 'pro-annual', tier: 'PREMIUM', slaPolicy: premium }
          : { known: false, plan: null, tier: 'UNKNOWN', slaPolicy: premium },
      );
    }
    assert.equal(enriched.records.length, events.length, 'nothing extra, nothing dead-lettered in its place');
  } finally {
    await enriched.stop();
  }
});
