import { eventCatalog, type InteractionReceived } from '../../schemas/index.js';
import type { Stage } from '../runtime/stage.js';

/**
 * Re-emits each interaction unchanged under a derived envelope. It does no work of its own, so it measures and
 * proves the runtime: delivery, ordering, dead letters, shutdown.
 */
export function passthroughStage(name = 'passthrough'): Stage<InteractionReceived, InteractionReceived> {
  return {
    name,
    version: '1.0.0',
    inputSchema: eventCatalog().get('InteractionReceived').schema,
    handle: (event, context) => [{ ...event, meta: context.derive() }],
  };
}
