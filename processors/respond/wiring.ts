import { consumerBinding } from '../../topics/lookup.js';
import { ticketflow } from '../../topics/topology.js';
import type { StageWiring } from '../runtime/runner.js';

export const RESPOND_STAGE = 'respond';

/** The stage's topics and group as the topology declares them, refusing a topology that no longer fits. */
export function respondWiring(): StageWiring {
  const binding = consumerBinding(ticketflow, RESPOND_STAGE);
  const [output, ...more] = binding.outputs;
  if (!output || more.length > 0 || output.eventType !== 'ResponseDrafted') {
    throw new Error(`${RESPOND_STAGE} must write exactly one topic of ResponseDrafted`);
  }
  const wrongInput = binding.inputs.find((t) => t.eventType !== 'InteractionGrounded');
  if (wrongInput) throw new Error(`${RESPOND_STAGE} reads ${wrongInput.name}, which is not InteractionGrounded`);
  return {
    groupId: binding.groupId,
    inputTopics: binding.inputs.map((t) => t.name),
    outputTopic: output.name,
    deadLetterTopic: binding.deadLetter.name,
  };
}
