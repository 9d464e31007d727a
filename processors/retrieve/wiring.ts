import { consumerBinding } from '../../topics/lookup.js';
import { ticketflow } from '../../topics/topology.js';
import type { StageWiring } from '../runtime/runner.js';

export const RETRIEVE_STAGE = 'retrieve';

/** The stage's topics and group as the topology declares them, refusing a topology that no longer fits. */
export function retrieveWiring(): StageWiring {
  const binding = consumerBinding(ticketflow, RETRIEVE_STAGE);
  const [output, ...more] = binding.outputs;
  if (!output || more.length > 0 || output.eventType !== 'InteractionGrounded') {
    throw new Error(`${RETRIEVE_STAGE} must write exactly one topic of InteractionGrounded`);
  }
  const wrongInput = binding.inputs.find((t) => t.eventType !== 'InteractionClassified');
  if (wrongInput) throw new Error(`${RETRIEVE_STAGE} reads ${wrongInput.name}, which is not InteractionClassified`);
  return {
    groupId: binding.groupId,
    inputTopics: binding.inputs.map((t) => t.name),
    outputTopic: output.name,
    deadLetterTopic: binding.deadLetter.name,
  };
}
