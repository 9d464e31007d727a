/** From a validated request to the InteractionReceived events it stands for. */
import type { EventProducer, InteractionReceived } from '../../schemas/index.js';
import { eventIdFor, newConversationId, ticketIdOf, type IdempotentOrigin } from './ids.js';

/** A request item after validation, which filled in the Avro defaults of the fields left out. */
export type InteractionInput = Omit<InteractionReceived, 'meta'> & { conversationId?: string };

export interface AcceptedInteraction {
  readonly eventId: string;
  readonly conversationId: string;
  readonly ticketId: string;
}

export interface BuildContext {
  readonly orgId: string;
  /** Present when the request has an Idempotency-Key: ids are then derived, not random. */
  readonly origin: IdempotentOrigin | undefined;
  readonly now: number;
  readonly producer: EventProducer;
}

export function buildInteractions(
  inputs: readonly InteractionInput[],
  context: BuildContext,
): { events: InteractionReceived[]; accepted: AcceptedInteraction[] } {
  const events: InteractionReceived[] = [];
  const accepted: AcceptedInteraction[] = [];
  inputs.forEach((input, index) => {
    const { conversationId: given, ...fields } = input;
    const conversationId = given ?? newConversationId(context.origin, index);
    const ids = {
      eventId: eventIdFor(context.origin, index),
      conversationId,
      ticketId: ticketIdOf(context.orgId, conversationId),
    };
    events.push({
      meta: {
        eventId: ids.eventId,
        orgId: context.orgId,
        conversationId,
        ticketId: ids.ticketId,
        causationId: null,
        occurredAt: context.now,
        producer: context.producer,
      },
      ...fields,
    });
    accepted.push(ids);
  });
  return { events, accepted };
}
