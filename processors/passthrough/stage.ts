import type { InteractionReceived } from '../../schemas/index.js';
import type { BatchStage, EventStage } from '../runtime/stage.js';

/**
 * Re-emits each interaction unchanged under a derived envelope. It does no work of its own, so it measures and
 * proves the runtime: delivery, ordering, dead letters, shutdown.
 */
export function passthroughStage(name = 'passthrough'): EventStage<InteractionReceived, InteractionReceived> {
  return {
    name,
    version: '1.0.0',
    consumes: ['InteractionReceived'],
    emits: 'InteractionReceived',
    handle: (event, context) => [{ ...event, meta: context.derive() }],
  };
}

/** The same as a batch stage: what the runtime promises per event must hold when a handler takes a batch. */
export function batchPassthroughStage(name = 'passthrough'): BatchStage<InteractionReceived, InteractionReceived> {
  return {
    name,
    version: '1.0.0',
    consumes: ['InteractionReceived'],
    emits: 'InteractionReceived',
    handleBatch: async (items) => items.map(({ event, context }) => [{ ...event, meta: context.derive() }]),
  };
}
