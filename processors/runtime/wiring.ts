/**
 * A stage's topics, consumer group and fetch sizes, derived from the topology: the stage names the events it
 * reads and writes, the topology says which topics carry them, and the two must agree or the process refuses
 * to start. No stage spells a topic.
 */
import { eventCatalog, type EventName, type RecordSchema } from '../../schemas/index.js';
import { consumerBinding } from '../../topics/lookup.js';
import type { Topology, TopicSpec } from '../../topics/model.js';
import { ticketflow } from '../../topics/topology.js';

export interface StageWiring {
  readonly groupId: string;
  readonly inputTopics: readonly string[];
  /** Absent for a sink without a changelog: its handler writes to a store and returns no events. */
  readonly outputTopic?: string;
  readonly deadLetterTopic: string;
  /** The schema each input topic is decoded with: that of the event the topic carries. */
  readerSchema(topic: string): RecordSchema;
  /** Bytes fetched per partition and request, sized to the inputs' events (see `fetchBytesFor`). */
  readonly maxBytesPerPartition: number;
}

/** What the wiring needs to know of a stage. */
export interface StageShape {
  readonly name: string;
  readonly consumes: readonly EventName[];
  readonly emits?: EventName;
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

export function fetchBytesFor(topics: readonly Pick<TopicSpec, 'eventBytes'>[]): number {
  const largest = Math.max(...topics.map((t) => t.eventBytes ?? DEFAULT_EVENT_BYTES));
  return Math.min(MAX_FETCH_BYTES, Math.max(MIN_FETCH_BYTES, largest * EVENTS_PER_PARTITION_FETCH));
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
    deadLetterTopic: binding.deadLetter.name,
    readerSchema: readerOf(stage.name, schemas),
    maxBytesPerPartition: fetchBytesFor(binding.inputs),
  };
}

/** Wiring for topics outside the topology (tests and benchmarks), all carrying one event type. */
export function explicitWiring(args: {
  groupId: string;
  inputTopics: readonly string[];
  outputTopic?: string;
  deadLetterTopic: string;
  event: EventName;
}): StageWiring {
  const schema = eventCatalog().get(args.event).schema;
  return {
    groupId: args.groupId,
    inputTopics: args.inputTopics,
    ...(args.outputTopic ? { outputTopic: args.outputTopic } : {}),
    deadLetterTopic: args.deadLetterTopic,
    readerSchema: readerOf(args.groupId, new Map(args.inputTopics.map((t) => [t, schema]))),
    // Sized like the topology's topic of the same events.
    maxBytesPerPartition: fetchBytesFor(ticketflow.topics.filter((t) => t.eventType === args.event)),
  };
}

function readerOf(name: string, schemas: ReadonlyMap<string, RecordSchema>) {
  return (topic: string): RecordSchema => {
    const schema = schemas.get(topic);
    if (!schema) throw new Error(`${name} does not read ${topic}`);
    return schema;
  };
}
