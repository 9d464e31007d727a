import { consumerBinding } from '../../topics/lookup.js';
import { ticketflow } from '../../topics/topology.js';
import type { StageWiring } from '../runtime/runner.js';
import { ENRICH_STAGE } from './stage.js';

/** The stage's topics and group as the topology declares them, refusing a topology that no longer fits. */
export function enrichWiring(): StageWiring {
  const binding = consumerBinding(ticketflow, ENRICH_STAGE);
  const [output, ...more] = binding.outputs;
  if (!output || more.length > 0 || output.eventType !== 'InteractionEnriched') {
    throw new Error(`${ENRICH_STAGE} must write exactly one topic of InteractionEnriched`);
  }
  const wrongInput = binding.inputs.find((t) => t.eventType !== 'InteractionReceived');
  if (wrongInput) throw new Error(`${ENRICH_STAGE} reads ${wrongInput.name}, which is not InteractionReceived`);
  return {
    groupId: binding.groupId,
    inputTopics: binding.inputs.map((t) => t.name),
    outputTopic: output.name,
    deadLetterTopic: binding.deadLetter.name,
  };
}
