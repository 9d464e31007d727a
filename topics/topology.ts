/**
 * The topology of ticketflow: every Kafka topic, declared once, and every node that writes or reads one.
 *
 * Like a Kafka Streams `Topology`, this is a description, not a runtime. Nodes name their input and output
 * topics; the processing code binds a handler to a node by name (`consumerBinding(ticketflow, 'enrich')` in
 * lookup.ts) and never spells a topic itself. Who writes and who reads a topic is derived from the nodes, so
 * an edge exists in one place only. `npm run topics -- apply` makes the cluster match this file,
 * `npm run topics -- describe [--mermaid]` shows it.
 *
 * Names (naming.ts): `tf.<domain>.<event>.v<major>` for events, `tf.dlq.<consumer>` for dead letters,
 * `tf.<consumer>` for consumer groups.
 *
 * Keys and partitioning. Event topics are keyed by org id, so all of an org's events of one topic sit on one
 * partition, in order, and every topic with the same partition count puts an org on the same partition
 * number. Inside a partition the runtime runs an org's conversations side by side. An org too busy for one
 * partition is keyed by org and conversation instead (`organizations.partition_key = 'conversation'`, chosen at
 * ingest; keys.ts): its conversations spread over every partition, so every member of a group works for it,
 * and each conversation stays on one partition, in order. Stages key their outputs with their input's key, so
 * an interaction's events, its commands and its ticket's changes share a partition number on every topic,
 * whichever keying its org uses. Producers use kafkajs's `DefaultPartitioner`:
 * murmur2 over the key bytes, the same as Java clients, so Kafka Connect, kcat or a JVM service place a key
 * where we do. No custom partitioner: it would have to be re-implemented in every client that ever writes
 * these topics, and one that forgot it would silently split a key across partitions.
 *
 * Compacted topics hold entities, and compaction keeps the last record per key, so there the key has to name
 * the entity: `<orgId>:<documentId>` and `<orgId>:<chunkId>` (keys.ts). Keying by org id would compact an
 * org's whole knowledge base down to its last chunk. The org prefix stays because ids from an import are only
 * unique within an org: two orgs importing a document with the same id must not overwrite each other. Such
 * keys are hashed whole, so an org's chunks spread over partitions; nothing needs them together, as the
 * indexer treats each chunk on its own, and updates and tombstones of one chunk stay ordered by key.
 *
 * Partitions only grow (apply refuses to shrink them, Kafka cannot). Growing moves keys to new partitions,
 * so ordering across the change holds only once the old partitions are drained; the apply output says so.
 *
 * Dead letters: one topic per consumer group (`tf.dlq.<consumer>`), written by the runtime on the group's
 * behalf with the input's key, value and headers unchanged plus failure headers (processors/runtime). Per
 * group rather than per topic, because several groups read the same topic and an event poisonous to one
 * of them is fine for the others; replaying a group's dead letters then concerns that group alone. They keep
 * the original key, so a replay lands where the original was, and they are kept longest: someone has to
 * look at them.
 *
 * Replication is a cluster setting: topics are created with the broker's `default.replication.factor`
 * (1 on the local stack), so the same declaration applies to a single node and to a production cluster.
 */
import { DAY_MS, DEFAULT_PARTITIONS, type KeySpec, type NodeSpec, type Topology, type TopicSpec } from './model.js';
import { deadLetterTopicName, eventTopicName } from './naming.js';

export * from './model.js';
export * from './lookup.js';
export { entityKey, orgKey, orgOfKey } from './keys.js';

const NS = 'tf';

const BY_ORG: KeySpec = { kind: 'org' };
/** A window a consumer may fall behind or a stage be re-run in: covers an outage over a long weekend. */
const EVENT_RETENTION_MS = 7 * DAY_MS;
/** Raw input is the one thing the pipeline can be re-run from after a fix to a stage. */
const INPUT_RETENTION_MS = 14 * DAY_MS;
const DEAD_LETTER_RETENTION_MS = 30 * DAY_MS;
/** Dead letters are rare; their key keeps ordering whatever the count. */
const DEAD_LETTER_PARTITIONS = 3;

export const TOPIC = {
  interactionReceived: eventTopicName(NS, 'interactions', 'received'),
  interactionEnriched: eventTopicName(NS, 'interactions', 'enriched'),
  interactionClassified: eventTopicName(NS, 'interactions', 'classified'),
  interactionGrounded: eventTopicName(NS, 'interactions', 'grounded'),
  responseDrafted: eventTopicName(NS, 'interactions', 'drafted'),
  routingDecided: eventTopicName(NS, 'interactions', 'routed'),
  ticketCommand: eventTopicName(NS, 'tickets', 'commands'),
  knowledgeDocument: eventTopicName(NS, 'knowledge', 'documents'),
  knowledgeChunk: eventTopicName(NS, 'knowledge', 'chunks'),
  ticketChanged: eventTopicName(NS, 'tickets', 'changes'),
} as const;

function eventTopic(
  name: string,
  eventType: string,
  description: string,
  eventBytes: number,
  retentionMs = EVENT_RETENTION_MS,
) {
  return {
    name,
    kind: 'event',
    eventType,
    key: BY_ORG,
    partitions: DEFAULT_PARTITIONS,
    cleanup: { policy: 'delete', retentionMs },
    description,
    eventBytes,
  } satisfies TopicSpec;
}

function entityTopic(name: string, eventType: string, entity: string, description: string, eventBytes: number) {
  return {
    name,
    kind: 'event',
    eventType,
    key: { kind: 'entity', entity },
    partitions: DEFAULT_PARTITIONS,
    cleanup: { policy: 'compact', tombstoneRetentionMs: EVENT_RETENTION_MS },
    description,
    eventBytes,
  } satisfies TopicSpec;
}

function deadLetterTopic(consumer: string) {
  return {
    name: deadLetterTopicName(NS, consumer),
    kind: 'dead-letter',
    eventType: null,
    key: { kind: 'input' },
    partitions: DEAD_LETTER_PARTITIONS,
    cleanup: { policy: 'delete', retentionMs: DEAD_LETTER_RETENTION_MS },
    description: `inputs the ${consumer} group gave up on`,
  } satisfies TopicSpec;
}

function stage(name: string, inputs: string[], outputs: string[]): NodeSpec {
  return { kind: 'stage', name, inputs, outputs, deadLetter: deadLetterTopicName(NS, name) };
}

function sink(name: string, inputs: string[], changelog?: string): NodeSpec {
  return {
    kind: 'sink',
    name,
    inputs,
    outputs: changelog ? [changelog] : [],
    deadLetter: deadLetterTopicName(NS, name),
  };
}

const nodes: NodeSpec[] = [
  { kind: 'source', name: 'http-ingest', outputs: [TOPIC.interactionReceived] },
  { kind: 'source', name: 'kb-import', outputs: [TOPIC.knowledgeDocument] },
  { kind: 'source', name: 'query-api', outputs: [TOPIC.ticketCommand] },

  stage('enrich', [TOPIC.interactionReceived], [TOPIC.interactionEnriched]),
  stage('classify', [TOPIC.interactionEnriched], [TOPIC.interactionClassified]),
  stage('retrieve', [TOPIC.interactionClassified], [TOPIC.interactionGrounded]),
  stage('respond', [TOPIC.interactionGrounded], [TOPIC.responseDrafted]),
  stage('route', [TOPIC.responseDrafted], [TOPIC.routingDecided]),
  stage('chunk', [TOPIC.knowledgeDocument], [TOPIC.knowledgeChunk]),

  // The system of record reads the steps that bring something no later one carries: the original message, the
  // passages the answer rests on, the decision (which carries enrichment, classification and draft forward) and
  // the commands. So a ticket shows its progress (received, grounded, routed) at half the writes of reading every
  // step. It publishes each stored revision; the other views follow that changelog and show what the store holds.
  sink(
    'ticket-store',
    [TOPIC.interactionReceived, TOPIC.interactionGrounded, TOPIC.routingDecided, TOPIC.ticketCommand],
    TOPIC.ticketChanged,
  ),
  sink('search-index', [TOPIC.ticketChanged]),
  sink('live-views', [TOPIC.ticketChanged]),
  sink('kb-index', [TOPIC.knowledgeChunk]),
];

const topics: TopicSpec[] = [
  eventTopic(
    TOPIC.interactionReceived,
    'InteractionReceived',
    'customer messages as ingested',
    600,
    INPUT_RETENTION_MS,
  ),
  eventTopic(TOPIC.interactionEnriched, 'InteractionEnriched', 'interactions with customer and context', 1200),
  eventTopic(TOPIC.interactionClassified, 'InteractionClassified', 'interactions with intent and priority', 1300),
  eventTopic(TOPIC.interactionGrounded, 'InteractionGrounded', 'interactions with retrieved knowledge', 4500),
  eventTopic(TOPIC.responseDrafted, 'ResponseDrafted', 'drafted replies', 2000),
  eventTopic(TOPIC.routingDecided, 'RoutingDecided', 'where each interaction goes', 2200),
  eventTopic(TOPIC.ticketCommand, 'TicketCommand', 'changes to tickets asked for through the API', 400),
  eventTopic(TOPIC.ticketChanged, 'TicketChanged', 'each revision of a ticket as the ticket store holds it', 2500),
  entityTopic(TOPIC.knowledgeDocument, 'KnowledgeDocument', 'documentId', 'latest version of each document', 8000),
  entityTopic(TOPIC.knowledgeChunk, 'KnowledgeChunk', 'chunkId', 'latest version of each chunk', 1500),
  ...nodes.flatMap((node) => (node.kind === 'source' ? [] : [deadLetterTopic(node.name)])),
];

export const ticketflow: Topology = { namespace: NS, topics, nodes };
