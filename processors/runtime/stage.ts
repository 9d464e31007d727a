import type { EventMeta, EventName } from '../../schemas/index.js';

export type { EventMeta };

/** What the runtime needs of any event: its envelope. */
export interface Envelope {
  meta: EventMeta;
}

/**
 * A Kafka tombstone: a record whose value is null, under the key of an entity on a compacted topic
 * (`<orgId>:<entityId>`, topics/keys.ts). It says the entity is gone and lets compaction drop the key.
 *
 * A stage whose output topic is compacted returns one (`tombstone(meta, entityId)`) to delete an entity it
 * wrote. A stage that reads a compacted topic receives them among its events (it declares `readsTombstones`):
 * the value is gone, so the runtime gives it an envelope of its own, with the key's org, the entity id as
 * conversation and ticket (so it keeps its order behind the entity's events where their conversation is the
 * entity), and an event id derived from the record's topic, partition and offset (the same on every redelivery).
 */
export interface Tombstone extends Envelope {
  readonly tombstone: true;
  readonly entityId: string;
  /**
   * The version of the entity it deletes, carried in the `tf-entity-version` header, so that a reader can refuse
   * the deletion against a newer copy as it would a record; null when its writer gave none.
   */
  readonly version: number | null;
}

export const tombstone = (meta: EventMeta, entityId: string, version: number | null = null): Tombstone => ({
  meta,
  tombstone: true,
  entityId,
  version,
});

export function isTombstone(value: unknown): value is Tombstone {
  return (value as Partial<Tombstone> | null)?.tombstone === true;
}

/** What a handler may know about the event it is handling, beyond the event itself. */
export interface StageContext {
  readonly stage: string;
  /** 1 on the first try; counts only retries after failures that the same input may not meet again. */
  readonly attempt: number;
  readonly correlationId: string;
  /** The topic the event was read from (a sink reads several). */
  readonly topic: string;
  /**
   * Logs at debug level with the event's id and correlation id. A no-op, costing only the call, unless debug
   * logging is on.
   */
  debug(fields: Record<string, unknown>, message: string): void;
  /**
   * The envelope of the `index`-th output derived from the input: same org, conversation and ticket, a
   * deterministic event id, and the input as its cause.
   */
  derive(index?: number): EventMeta;
}

/** One input of a batch, with what its handler may know about it. */
export interface BatchItem<In> {
  readonly event: In;
  readonly context: StageContext;
}

/** The answer for one input: the events it causes, or why it could not be handled. */
export type ItemResult<Out> = readonly Out[] | ItemFailure;

export class ItemFailure {
  constructor(readonly error: unknown) {}
}

export const failed = (error: unknown): ItemFailure => new ItemFailure(error);

interface StageBase {
  readonly name: string;
  readonly version: string;
  /**
   * The event types this stage reads. Its topics come from the topology, which must put only these on them;
   * each is decoded with the schema of the event its topic declares.
   */
  readonly consumes: readonly EventName[];
  /** The event type it writes, if any: a sink writes to a store and only emits what the topology lets it. */
  readonly emits?: EventName;
  /**
   * True for a stage that reads a compacted topic and handles its tombstones (`Tombstone` inputs). The wiring
   * refuses a stage that reads one without saying so: an input without the declared event's fields would
   * otherwise reach a handler that never expected it.
   */
  readonly readsTombstones?: boolean;
}

/**
 * A stage that handles one event at a time. Events of one conversation are handed to it in order, different
 * conversations concurrently.
 */
export interface EventStage<In extends Envelope, Out extends Envelope> extends StageBase {
  handle(event: In, context: StageContext): Promise<readonly Out[]> | readonly Out[];
  handleBatch?: never;
}

/**
 * A stage that handles a fetched batch at once, so its I/O can be one round trip per batch. It answers per input,
 * in the input's order; an input it answers with `failed(error)` is retried or dead-lettered on its own while the
 * rest flow on. A rejection fails every input of the batch. Inputs of one conversation arrive in order; when one
 * fails and is to be retried, the runtime hands the later ones of its conversation in again with it, so the
 * handler must be idempotent (stages are pure; sinks write idempotently).
 */
export interface BatchStage<In extends Envelope, Out extends Envelope> extends StageBase {
  handleBatch(items: readonly BatchItem<In>[]): Promise<readonly ItemResult<Out>[]>;
  handle?: never;
}

/**
 * A processing stage: a name, a version, the events it reads and writes, and a plain handler. Everything about
 * Kafka lives in the runtime. Throw (or answer) `PermanentError` for input that can never be handled; an
 * `UnavailableError` names a dependency that is down, which is waited out; anything else is retried and, if it
 * persists, dead-lettered.
 */
export type Stage<In extends Envelope, Out extends Envelope> = EventStage<In, Out> | BatchStage<In, Out>;

/** A stage of any event types, for code that only hosts stages and never calls a handler itself. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStage = Stage<any, any>;
