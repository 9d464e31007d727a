/**
 * A stage's topics, consumer group and fetch sizes, derived from the topology: the stage names the events it
 * reads and writes, the topology says which topics carry them, and the two must agree or the process refuses
 * to start. No stage spells a topic.
 */
import { eventCatalog, type EventName, type RecordSchema } from '../../schemas/index.js';
import { entityKey } from '../../topics/keys.js';
import { consumerBinding } from '../../topics/lookup.js';
import type { KeySpec, Topology, TopicSpec } from '../../topics/model.js';
import { ticketflow } from '../../topics/topology.js';
import { isTombstone, type Envelope } from './stage.js';

export interface StageWiring {
  readonly groupId: string;
  readonly inputTopics: readonly string[];
  /** Absent for a sink without a changelog: its handler writes to a store and returns no events. */
  readonly outputTopic?: string;
  readonly deadLetterTopic: string;
  /**
   * The key of each output, when the output topic is keyed by entity (`<orgId>:<entityId>`): an entity's key
   * comes from the entity, not from the input it was derived from. Absent: each output takes its input's key,
   * so an interaction's events keep one partition number whichever way its org is keyed.
   */
  readonly outputKey?: (output: Envelope) => string;
  /** Input topics that are compacted: a null value read there is a tombstone, not a poison event. */
  readonly tombstoneTopics: ReadonlySet<string>;
  /** The schema each input topic is decoded with: that of the event the topic carries. */
  readerSchema(topic: string): RecordSchema;
  /** Bytes fetched per partition and request, sized to the inputs' events (see `fetchBytesFor`). */
  readonly maxBytesPerPartition: number;
  /** Bytes one fetch brings from all partitions together. */
  readonly maxBytes: number;
}

/** What the wiring needs to know of a stage. */
export interface StageShape {
  readonly name: string;
  readonly consumes: readonly EventName[];
  readonly emits?: EventName;
  readonly readsTombstones?: boolean;
}

/**
 * A fetch should bring about this many events per partition: enough to amortise the round trips of a unit, few
 * enough that a unit redone after a crash, or held during an outage, stays small.
 */
const EVENTS_PER_PARTITION_FETCH = 250;
const MIN_FETCH_BYTES = 64 * 1024;
/** Under the broker's default `message.max.bytes`, so one fetch never splits a producer's record batch. */
const MAX_FETCH_BYTES = 1024 * 1024;
const DEFAULT_EVENT_BYTES = 2048;
/**
 * A whole fetch, over every partition a member holds. Decoded, an event takes several times its Avro bytes on the
 * heap, and a member that is behind gets full fetches one after another; a thousand events a unit still
 * amortises every round trip, where a fixed 16 MB took the ticket store past 300 MB resident in a burst.
 */
const EVENTS_PER_FETCH = 1000;
const MIN_TOTAL_FETCH_BYTES = 1024 * 1024;
const MAX_TOTAL_FETCH_BYTES = 16 * 1024 * 1024;

const largestEventOf = (topics: readonly Pick<TopicSpec, 'eventBytes'>[]) =>
  Math.max(...topics.map((t) => t.eventBytes ?? DEFAULT_EVENT_BYTES));

export function fetchBytesFor(topics: readonly Pick<TopicSpec, 'eventBytes'>[]): number {
  return Math.min(MAX_FETCH_BYTES, Math.max(MIN_FETCH_BYTES, largestEventOf(topics) * EVENTS_PER_PARTITION_FETCH));
}

export function totalFetchBytesFor(topics: readonly Pick<TopicSpec, 'eventBytes'>[]): number {
  return Math.min(MAX_TOTAL_FETCH_BYTES, Math.max(MIN_TOTAL_FETCH_BYTES, largestEventOf(topics) * EVENTS_PER_FETCH));
}

export function wiringFor(stage: StageShape, topology: Topology = ticketflow): StageWiring {
  const binding = consumerBinding(topology, stage.name);
  const schemas = new Map<string, RecordSchema>();
  for (const topic of binding.inputs) {
    const eventType = topic.eventType as EventName | null;
    if (!eventType || !stage.consumes.includes(eventType)) {
      throw new Error(
        `${stage.name} reads ${topic.name}, which carries ${eventType ?? 'no event type'}; ` +
          `the stage consumes ${stage.consumes.join(', ')}`,
      );
    }
    schemas.set(topic.name, eventCatalog().get(eventType).schema);
  }
  const compacted = binding.inputs.filter((t) => t.cleanup.policy === 'compact').map((t) => t.name);
  if (compacted.length > 0 && !stage.readsTombstones) {
    throw new Error(
      `${stage.name} reads the compacted topic ${compacted.join(', ')} but does not declare readsTombstones: ` +
        'its tombstones (null values) would reach a handler that does not expect them',
    );
  }
  const [output, ...more] = binding.outputs;
  if (more.length > 0) throw new Error(`${stage.name} writes ${binding.outputs.length} topics; a stage writes one`);
  if ((output?.eventType ?? undefined) !== stage.emits) {
    throw new Error(
      `${stage.name} emits ${stage.emits ?? 'nothing'} but the topology has it write ` +
        `${output ? `${output.name} (${output.eventType})` : 'nothing'}`,
    );
  }
  return {
    groupId: binding.groupId,
    inputTopics: binding.inputs.map((t) => t.name),
    ...(output ? { outputTopic: output.name } : {}),
    ...outputKeyOf(output?.key),
    deadLetterTopic: binding.deadLetter.name,
    tombstoneTopics: new Set(compacted),
    readerSchema: readerOf(stage.name, schemas),
    maxBytesPerPartition: fetchBytesFor(binding.inputs),
    maxBytes: totalFetchBytesFor(binding.inputs),
  };
}

/** An output key taken from the output itself, for a topic keyed by entity. */
function outputKeyOf(key: KeySpec | undefined): Pick<StageWiring, 'outputKey'> {
  if (key?.kind !== 'entity') return {};
  const field = key.entity;
  return {
    outputKey: (output) => {
      const id = isTombstone(output) ? output.entityId : (output as unknown as Record<string, unknown>)[field];
      if (typeof id !== 'string') throw new Error(`an output keyed by ${field} has no string ${field}`);
      return entityKey(output.meta.orgId, id);
    },
  };
}

/**
 * Wiring for topics outside the topology (tests and benchmarks), all inputs carrying one event type. With
 * `compacted`, the inputs are read as compacted topics (null values are tombstones); with `outputEntity`, the
 * output is keyed by that field of each output, as an entity topic is.
 */
export function explicitWiring(args: {
  groupId: string;
  inputTopics: readonly string[];
  outputTopic?: string;
  deadLetterTopic: string;
  event: EventName;
  compacted?: boolean;
  outputEntity?: string;
}): StageWiring {
  const schema = eventCatalog().get(args.event).schema;
  const sameEvents = ticketflow.topics.filter((t) => t.eventType === args.event);
  return {
    groupId: args.groupId,
    inputTopics: args.inputTopics,
    ...(args.outputTopic ? { outputTopic: args.outputTopic } : {}),
    ...outputKeyOf(args.outputEntity ? { kind: 'entity', entity: args.outputEntity } : undefined),
    deadLetterTopic: args.deadLetterTopic,
    tombstoneTopics: new Set(args.compacted ? args.inputTopics : []),
    readerSchema: readerOf(args.groupId, new Map(args.inputTopics.map((t) => [t, schema]))),
    // Sized like the topology's topic of the same events.
    maxBytesPerPartition: fetchBytesFor(sameEvents),
    maxBytes: totalFetchBytesFor(sameEvents),
  };
}

function readerOf(name: string, schemas: ReadonlyMap<string, RecordSchema>) {
  return (topic: string): RecordSchema => {
    const schema = schemas.get(topic);
    if (!schema) throw new Error(`${name} does not read ${topic}`);
    return schema;
  };
}
