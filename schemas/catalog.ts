/**
 * The catalog of event types, built at run time from the .avsc files: for each event, its self-contained
 * schema (what the registry stores and what readers decode with) and the avsc Type parsed from it.
 *
 * Types are parsed exactly as @kafkajs/confluent-schema-registry parses them: no logical-type
 * implementations, so `timestamp-millis` decodes as a number of epoch milliseconds and `uuid` as a string.
 * A Type from here and one the registry client builds therefore accept and return the same values.
 */
import avro from 'avsc';
import type { RecordSchema } from './avro-json.js';
import type { EventName, EventTypes } from './generated/events.js';
import { inlineSchema } from './inline.js';
import { AVRO_DIR, readSchemaSources } from './sources.js';

export interface EventSchema<N extends EventName = EventName> {
  readonly name: N;
  /** `io.ticketflow.events.<name>` */
  readonly fullName: string;
  /** Self-contained: every named type it uses is defined inside it. */
  readonly schema: RecordSchema;
  readonly type: avro.Type;
}

export class EventCatalog {
  private readonly byName: ReadonlyMap<string, EventSchema>;

  constructor(entries: readonly EventSchema[]) {
    this.byName = new Map(entries.map((entry) => [entry.name, entry]));
  }

  get names(): EventName[] {
    return [...this.byName.keys()] as EventName[];
  }

  has(name: string): name is EventName {
    return this.byName.has(name);
  }

  get<N extends EventName>(name: N): EventSchema<N> {
    const entry = this.byName.get(name);
    if (!entry) throw new Error(`unknown event type ${name}; known: ${this.names.join(', ')}`);
    return entry as EventSchema<N>;
  }

  /** Encodes with the event's own schema, without the registry's framing; throws naming the invalid paths. */
  encode<N extends EventName>(name: N, event: EventTypes[N]): Buffer {
    const { type } = this.get(name);
    const invalid: string[] = [];
    if (!type.isValid(event, { errorHook: (path) => invalid.push(path.join('.') || '(root)') })) {
      throw new Error(`not a valid ${name}: invalid at ${invalid.join(', ')}`);
    }
    return type.toBuffer(event);
  }

  decode<N extends EventName>(name: N, buffer: Buffer): EventTypes[N] {
    return this.get(name).type.fromBuffer(buffer) as EventTypes[N];
  }

  [Symbol.iterator](): IterableIterator<EventSchema> {
    return this.byName.values();
  }
}

export function loadEventCatalog(dir: string = AVRO_DIR): EventCatalog {
  const { events, shared } = readSchemaSources(dir);
  const entries = [...events.values()].map((source): EventSchema => {
    const schema = deepFreeze(inlineSchema(source, shared));
    const type = avro.Type.forSchema(schema as Parameters<typeof avro.Type.forSchema>[0]);
    return { name: source.name as EventName, fullName: type.name ?? source.name, schema, type };
  });
  return new EventCatalog(entries);
}

/** Schemas are shared by every user of the catalog; one mutating its copy would change everyone's. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
