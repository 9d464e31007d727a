/** Puts InteractionReceived events into Kafka, or says with a status why it could not. */
import type { InteractionReceived } from '../../schemas/index.js';
import { interactionKey } from '../../topics/keys.js';
import type { PartitionKey } from '../../ops/db/ingest-keys.js';
import type { EventCodec } from '../../processors/runtime/codec.js';
import { OutputSchemaError } from '../../processors/runtime/errors.js';
import { HEADER } from '../../processors/runtime/headers.js';
import { HttpError, unavailable } from './errors.js';
import { PublishError, type GroupCommit } from './group-commit.js';

export interface InteractionWriter {
  /**
   * Resolves once Kafka acknowledged every event; rejects with an HttpError (413, 503) when it did not, its
   * `possiblyWritten` saying whether the events may be in Kafka all the same. Events are keyed by org, or by org
   * and conversation for an org spread over partitions.
   */
  write(
    orgId: string,
    events: readonly InteractionReceived[],
    correlationId: string,
    partitionKey?: PartitionKey,
  ): Promise<void>;
}

export class KafkaInteractionWriter implements InteractionWriter {
  constructor(
    private readonly codec: EventCodec,
    private readonly topic: string,
    private readonly commit: GroupCommit,
  ) {}

  async write(
    orgId: string,
    events: readonly InteractionReceived[],
    correlationId: string,
    partitionKey: PartitionKey = 'org',
  ): Promise<void> {
    let values: Buffer[];
    try {
      values = await Promise.all(events.map((event) => this.codec.encode(this.topic, event)));
    } catch (error) {
      // Validation lets through only what fits the schema, so a misfit is our bug, not the client's.
      if (error instanceof OutputSchemaError) throw error;
      throw unavailable(`cannot get the writer schema of ${this.topic} from the schema registry`, 1, error);
    }
    const headers = { [HEADER.correlationId]: correlationId };
    const keyOf = (i: number) => interactionKey(orgId, events[i]!.meta.conversationId, partitionKey);
    try {
      await this.commit.publish(values.map((value, i) => ({ key: keyOf(i), value, headers })));
    } catch (error) {
      if (!(error instanceof PublishError)) throw error;
      if (error.reason === 'too-large') {
        throw new HttpError(
          413,
          'payload_too_large',
          'Kafka refused the events as too large; send fewer at once',
          {},
          { cause: error },
        );
      }
      throw unavailable(error.message, error.reason === 'overloaded' ? 1 : 2, error, error.possiblyWritten);
    }
  }
}
