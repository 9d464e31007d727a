import { consumerBinding } from '../../topics/lookup.js';
import { ticketflow } from '../../topics/topology.js';
import type { StageWiring } from '../runtime/runner.js';

export const ROUTE_STAGE = 'route';

/** The stage's topics and group as the topology declares them, refusing a topology that no longer fits. */
export function routeWiring(): StageWiring {
  const binding = consumerBinding(ticketflow, ROUTE_STAGE);
  const [output, ...more] = binding.outputs;
  if (!output || more.length > 0 || output.eventType !== 'RoutingDecided') {
    throw new Error(`${ROUTE_STAGE} must write exactly one topic of RoutingDecided`);
  }
  const wrongInput = binding.inputs.find((t) => t.eventType !== 'ResponseDrafted');
  if (wrongInput) throw new Error(`${ROUTE_STAGE} reads ${wrongInput.name}, which is not ResponseDrafted`);
  return {
    groupId: binding.groupId,
    inputTopics: binding.inputs.map((t) => t.name),
    outputTopic: output.name,
    deadLetterTopic: binding.deadLetter.name,
  };
}
