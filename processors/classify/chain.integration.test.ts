/**
 * classify → retrieve → respond → route on the shared runtime, end to end on the stack: enriched
 * interactions through real Kafka and the schema registry, each stage in-process on its own throwaway
 * topics (never the shared tf.* ones), retrieval from a tiny knowledge base indexed as the kb-index sink
 * indexes it, in a throwaway Elasticsearch index, and routing decisions read back with the registered RoutingDecided schema.
 */
import { Client } from '@elastic/elasticsearch';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Partitioners } from 'kafkajs';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { EventName, InteractionEnriched, InteractionGrounded, RoutingDecided } from '../../schemas/index.js';
import { respondStage } from '../respond/stage.js';
import { createChunkSearchMany } from '../retrieve/search.js';
import { retrieveStage } from '../retrieve/stage.js';
import { routeStage } from '../route/stage.js';
import { deriveEventId } from '../runtime/ids.js';
import { startStages, type RunningStages } from '../runtime/main.js';
import type { AnyStage } from '../runtime/stage.js';
import { explicitWiring, type StageWiring } from '../runtime/wiring.js';
import { codec, collect, config, createTestTopics, kafka, type TestTopics } from '../testing/kafka-kit.js';
import { indexKnowledgeBase, knowledgeDocuments } from '../testing/knowledge-kit.js';
import { classifyStage } from './stage.js';

const quiet = { ...config, logLevel: 'silent', processor: { ...config.processor, probePort: 0 } } as const;
const es = new Client({ node: config.elasticsearch.url, requestTimeout: 10_000, maxRetries: 0 });
// Unique per run, so parallel or aborted runs never see each other's chunks or events.
const index = `test-chain-kb-${process.pid}-${Date.now()}`;
const orgId = `org-chain-${randomUUID().slice(0, 8)}`;

const topics: Partial<Record<EventName, TestTopics>> = {};
const stages: RunningStages[] = [];
let kbDir: string;

/** One throwaway topic per event type (plus a dead-letter topic for the stage that writes it). */
async function topicsFor(eventName: EventName, withDeadLetter: boolean): Promise<TestTopics> {
  const created = await createTestTopics(withDeadLetter ? ['events', 'dlq'] : ['events'], eventName, 3);
  topics[eventName] = created;
  return created;
}

function wiring(name: string, input: TestTopics, output: TestTopics, event: EventName): StageWiring {
  return explicitWiring({
    groupId: `${output.prefix}.${name}`,
    inputTopics: [input.names[0]!],
    outputTopic: output.names[0]!,
    deadLetterTopic: output.names[1]!,
    event,
  });
}

async function start(stage: AnyStage, w: StageWiring) {
  stages.push(await startStages([{ stage, wiring: w }], { config: quiet }));
}

before(async () => {
  try {
    await es.cluster.health({ timeout: '2s' });
  } catch (error) {
    throw new Error(`Elasticsearch is not reachable at ${config.elasticsearch.url} (${String(error)})`);
  }
  kbDir = await mkdtemp(path.join(tmpdir(), 'chain-kb-'));
  await writeFile(
    path.join(kbDir, 'lost-card.md'),
    '# Lost or stolen card\n\nIf your card is lost or stolen, freeze it at once in the app under Cards, then ' +
      'Freeze card. Select Report lost or stolen to cancel the card and order a replacement card.',
  );
  await writeFile(
    path.join(kbDir, 'refunds.md'),
    '# Duplicate charges and refunds\n\nIf you were charged twice for the same payment, the duplicate charge ' +
      'is refunded automatically within 5 business days. A refund shows on your statement once processed.',
  );
  const imported = await indexKnowledgeBase(es, await knowledgeDocuments(orgId, kbDir), index);
  assert.equal(imported.documents, 2);

  const enriched = await topicsFor('InteractionEnriched', false);
  const classified = await topicsFor('InteractionClassified', true);
  const grounded = await topicsFor('InteractionGrounded', true);
  const drafted = await topicsFor('ResponseDrafted', true);
  const routed = await topicsFor('RoutingDecided', true);
  await start(classifyStage(), wiring('classify', enriched, classified, 'InteractionEnriched'));
  await start(
    retrieveStage({ search: createChunkSearchMany(es, { index }), method: 'LEXICAL' }),
    wiring('retrieve', classified, grounded, 'InteractionClassified'),
  );
  await start(respondStage(), wiring('respond', grounded, drafted, 'InteractionGrounded'));
  await start(routeStage(), wiring('route', drafted, routed, 'ResponseDrafted'));
});

after(async () => {
  await Promise.all(stages.map((s) => s.stop()));
  await Promise.all(Object.values(topics).map((t) => t.dispose()));
  await es.indices.delete({ index, ignore_unavailable: true });
  await es.close();
  if (kbDir) await rm(kbDir, { recursive: true, force: true });
});

function enrichedEvent(conversationId: string, subject: string | null, body: string): InteractionEnriched {
  const base = sampleEvents.InteractionEnriched;
  const eventId = randomUUID();
  return {
    meta: { ...base.meta, eventId, orgId, conversationId, ticketId: `T-${conversationId}`, occurredAt: Date.now() },
    interaction: { ...base.interaction, interactionId: randomUUID(), receivedAt: Date.now() },
    enrichment: { ...base.enrichment, redactedSubject: subject, redactedBody: body },
  };
}

async function produce(topic: string, events: readonly InteractionEnriched[]): Promise<void> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    const values = await Promise.all(events.map((e) => codec.encode(topic, e)));
    await producer.send({
      topic,
      acks: -1,
      messages: events.map((e, i) => ({ key: e.meta.orgId, value: values[i]! })),
    });
  } finally {
    await producer.disconnect();
  }
}

/** The id the chain gives the last event derived from `input`: each stage derives from the one before. */
function chainIds(input: InteractionEnriched): { grounded: string; routed: string } {
  const classified = deriveEventId(input.meta.eventId, 'classify', 0);
  const grounded = deriveEventId(classified, 'retrieve', 0);
  const drafted = deriveEventId(grounded, 'respond', 0);
  return { grounded, routed: deriveEventId(drafted, 'route', 0) };
}

test('enriched interactions come out routed, with intent, passages, a cited draft and an SLA deadline or reason', async () => {
  const lostCard = enrichedEvent('conv-card', 'Lost card', 'I lost my card yesterday, please freeze my card.');
  const refund = enrichedEvent(
    'conv-refund',
    'Charged twice',
    'I was charged twice for the same payment on my card [CARD]. Please refund the duplicate charge.',
  );
  const other = enrichedEvent('conv-other', null, 'Are you hiring software engineers in Lisbon this summer?');
  const inputs = [lostCard, refund, other];

  const grounded = await collect<InteractionGrounded>(topics.InteractionGrounded!.names[0]!, 'InteractionGrounded');
  const routed = await collect<RoutingDecided>(topics.RoutingDecided!.names[0]!, 'RoutingDecided');
  try {
    await produce(topics.InteractionEnriched!.names[0]!, inputs);
    await routed.until((records) => records.length >= inputs.length, 90_000);
    await grounded.until((records) => records.length >= inputs.length);
    const groundedById = new Map(grounded.records.map((r) => [r.event!.meta.eventId, r.event!]));
    const routedById = new Map(routed.records.map((r) => [r.event!.meta.eventId, r.event!]));

    for (const input of inputs) {
      const ids = chainIds(input);
      const g = groundedById.get(ids.grounded);
      const out = routedById.get(ids.routed);
      assert.ok(g, `no grounded event for ${input.meta.conversationId}`);
      assert.ok(out, `no routing decision for ${input.meta.conversationId}`);
      assert.equal(out.meta.orgId, orgId);
      assert.equal(out.meta.conversationId, input.meta.conversationId);
      assert.equal(out.interaction.interactionId, input.interaction.interactionId);
      assert.ok(out.classification.intent !== '', 'an intent');
      assert.ok(out.classification.modelVersion !== '', 'the model version');
      // Decoded Avro records are class instances; compare their data.
      assert.deepEqual({ ...out.classification }, { ...g.classification }, 'the classification is carried forward');
      assert.ok(out.draft.text.length > 0, 'a draft');
      assert.ok(
        out.routing.firstResponseDueAt !== null || out.routing.reasons.length > 0,
        'an SLA deadline or a reason',
      );
      assert.ok(out.routing.queue !== '');
    }

    for (const [input, title] of [
      [lostCard, 'Lost or stolen card'],
      [refund, 'Duplicate charges and refunds'],
    ] as const) {
      const ids = chainIds(input);
      const g = groundedById.get(ids.grounded)!;
      const out = routedById.get(ids.routed)!;
      assert.equal(out.classification.outOfScope, false, `${input.meta.conversationId} is a banking request`);
      assert.equal(g.grounding.method, 'LEXICAL');
      assert.equal(g.grounding.passages[0]?.title, title, `the best passage for ${input.meta.conversationId}`);
      assert.equal(out.draft.holding, false);
      assert.ok(
        out.draft.citations.some((c) => c.title === title),
        `the draft for ${input.meta.conversationId} cites "${title}"`,
      );
      assert.equal(typeof out.routing.firstResponseDueAt, 'number', 'the premium SLA sets a deadline');
    }
    assert.equal(routedById.get(chainIds(lostCard).routed)!.classification.intent, 'lost_or_stolen_card');
    assert.equal(routedById.get(chainIds(lostCard).routed)!.routing.priority, 'P1');
    assert.equal(routed.records.length, inputs.length, 'nothing extra');
  } finally {
    await grounded.stop();
    await routed.stop();
  }
});
