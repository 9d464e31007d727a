import { consumerBinding } from '../../topics/lookup.js';
import { ticketflow } from '../../topics/topology.js';
import type { StageWiring } from '../runtime/runner.js';
import { CLASSIFY_STAGE } from './stage.js';

/** The stage's topics and group as the topology declares them, refusing a topology that no longer fits. */
export function classifyWiring(): StageWiring {
  const binding = consumerBinding(ticketflow, CLASSIFY_STAGE);
  const [output, ...more] = binding.outputs;
  if (!output || more.length > 0 || output.eventType !== 'InteractionClassified') {
    throw new Error(`${CLASSIFY_STAGE} must write exactly one topic of InteractionClassified`);
  }
  const wrongInput = binding.inputs.find((t) => t.eventType !== 'InteractionEnriched');
  if (wrongInput) throw new Error(`${CLASSIFY_STAGE} reads ${wrongInput.name}, which is not InteractionEnriched`);
  return {
    groupId: binding.groupId,
    inputTopics: binding.inputs.map((t) => t.name),
    outputTopic: output.name,
    deadLetterTopic: binding.deadLetter.name,
  };
}
