/**
 * Reads the chain's topics, the ticket changelog and the processors' dead-letter topics from their current end,
 * in a group of its own, and tells the tracker when each interaction passed each point. A point's time is the
 * record's own timestamp (set by its producer when it sent it), so it does not depend on how soon this reader
 * gets to the record, nor on the order in which it reads the topics. Records are matched by the
 * tf-correlation-id header, which ingest sets from the POST's X-Correlation-Id (the interaction's id) and every
 * processor copies; only the routing decision and the changelog are decoded, and only for interactions not yet
 * known routed, so watching costs little of the CPU it shares with the pipeline.
 */
import { randomUUID } from 'node:crypto';
import type { EachBatchPayload } from 'kafkajs';
import { HEADER, headerString } from '../../processors/runtime/headers.js';
import { codec, kafka, startGroupAtEnd } from '../../processors/testing/kafka-kit.js';
import { eventCatalog, type RoutingDecided, type TicketChanged } from '../../schemas/index.js';
import { consumerBinding } from '../../topics/lookup.js';
import { TOPIC, ticketflow } from '../../topics/topology.js';
import { PROCESSORS } from './processes.js';
import { HOP_TOPICS, type Tracker } from './tracker.js';

const HOPS: Readonly<Record<(typeof HOP_TOPICS)[number], string>> = {
  received: TOPIC.interactionReceived,
  enriched: TOPIC.interactionEnriched,
  classified: TOPIC.interactionClassified,
  grounded: TOPIC.interactionGrounded,
  drafted: TOPIC.responseDrafted,
  routed: TOPIC.routingDecided,
};

export interface Observer {
  stop(): Promise<void>;
}

export async function observe(tracker: Tracker, runId: string): Promise<Observer> {
  const hopIndex = new Map(HOP_TOPICS.map((hop, i) => [HOPS[hop], i]));
  const deadLetters = new Map(PROCESSORS.map((p) => [consumerBinding(ticketflow, p).deadLetter.name, p]));
  const topics = [...hopIndex.keys(), TOPIC.ticketChanged, ...deadLetters.keys()];
  const groupId = `bench.chain.${runId}.${randomUUID().slice(0, 8)}`;
  for (const topic of topics) await startGroupAtEnd(groupId, topic);
  const routedSchema = eventCatalog().get('RoutingDecided').schema;
  const changedSchema = eventCatalog().get('TicketChanged').schema;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });

  const handle = async ({ batch }: EachBatchPayload) => {
    const { topic } = batch;
    const hop = hopIndex.get(topic);
    const deadLetterOf = deadLetters.get(topic);
    for (const message of batch.messages) {
      const track = tracker.get(headerString(message.headers, HEADER.correlationId));
      if (!track) continue;
      const at = Number(message.timestamp);
      if (deadLetterOf !== undefined) {
        tracker.deadLettered(track, headerString(message.headers, HEADER.stage) ?? deadLetterOf);
      } else if (topic === TOPIC.ticketChanged) {
        if (!Number.isNaN(track.changeAt)) continue;
        const change = await codec.decode<TicketChanged>(message.value, changedSchema);
        if (change.routing === null || change.queue === null) continue;
        tracker.routed(track, {
          queue: change.queue,
          decision: change.routing.decision,
          intent: change.classification?.intent ?? null,
        });
        tracker.changed(track, at);
      } else if (hop !== undefined) {
        if (hop === HOP_TOPICS.length - 1) {
          if (!Number.isNaN(track.arrivals[hop]!)) {
            track.redelivered++;
            continue;
          }
          const decided = await codec.decode<RoutingDecided>(message.value, routedSchema);
          tracker.routed(track, {
            queue: decided.routing.queue,
            decision: decided.routing.decision,
            intent: decided.classification.intent,
          });
          track.outOfScope = decided.classification.outOfScope;
          track.language = decided.enrichment.language;
          track.cited = decided.draft.citations.length > 0;
        }
        tracker.arrived(track, hop, at);
      }
    }
  };

  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({ eachBatch: handle });
  return {
    async stop() {
      await consumer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    },
  };
}
