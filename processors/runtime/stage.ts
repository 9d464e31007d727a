import type { Logger } from 'pino';
import type { EventMeta, RecordSchema } from '../../schemas/index.js';

export type { EventMeta };

/** What the runtime needs of any event: its envelope. */
export interface Envelope {
  meta: EventMeta;
}

/** What a handler may know about the event it is handling, beyond the event itself. */
export interface StageContext {
  readonly stage: string;
  readonly attempt: number;
  readonly correlationId: string;
  readonly logger: Logger;
  /**
   * The envelope of the `index`-th output derived from the input: same org, conversation and ticket, a
   * deterministic event id, and the input as its cause.
   */
  derive(index?: number): EventMeta;
}

/**
 * A processing stage: a name, a version, the schema it reads, and a plain handler from one event to the
 * events it causes (none for a sink, which only writes to its store). Everything about Kafka lives in the
 * runtime. Throw `PermanentError` for input that can never be handled; any other error is retried and, if it
 * persists, dead-lettered.
 */
export interface Stage<In extends Envelope, Out extends Envelope> {
  readonly name: string;
  readonly version: string;
  /** The schema to read with; a function of the topic for a node that reads several event types (a sink). */
  readonly inputSchema: RecordSchema | ((topic: string) => RecordSchema);
  handle(event: In, context: StageContext): Promise<readonly Out[]> | readonly Out[];
}
