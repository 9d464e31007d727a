import type { Draft, InteractionGrounded, ResponseDrafted } from '../../schemas/index.js';
import { withoutPlaceholders } from '../retrieve/query.js';
import type { EventStage } from '../runtime/stage.js';
import { extractiveGenerator } from './extractive.js';
import { holdingDraft, type DraftGenerator, type DraftRequest } from './generator.js';

export interface RespondOptions {
  /** The extractive generator unless another (an LLM one) is given. */
  generator?: DraftGenerator;
}

export function questionOf(event: Pick<InteractionGrounded, 'enrichment'>): string {
  const { redactedSubject, redactedBody } = event.enrichment;
  return [redactedSubject ?? '', redactedBody]
    .map(withoutPlaceholders)
    .filter((part) => part !== '')
    .join('\n');
}

/** Drafts a reply to each grounded interaction from its passages only. */
export function respondStage(options: RespondOptions = {}): EventStage<InteractionGrounded, ResponseDrafted> {
  const generator = options.generator ?? extractiveGenerator();
  return {
    name: 'respond',
    version: '0.2.0',
    consumes: ['InteractionGrounded'],
    emits: 'ResponseDrafted',
    handle(event, context) {
      const { interaction, enrichment, classification, grounding } = event;
      const output = (draft: Draft): ResponseDrafted[] => {
        context.debug(
          { generator: draft.generator.kind, holding: draft.holding, confidence: draft.confidence },
          'drafted',
        );
        return [{ meta: context.derive(), interaction, enrichment, classification, draft }];
      };
      // Nothing this desk handles: quoting the knowledge base would answer a question nobody asked.
      if (classification.outOfScope) return output(holdingDraft(enrichment.language));
      const request: DraftRequest = {
        orgId: event.meta.orgId,
        question: questionOf(event),
        language: enrichment.language,
        classification,
        sentiment: enrichment.sentiment,
        customer: enrichment.customer,
        passages: grounding.passages,
        retrievalMethod: grounding.method,
      };
      // A synchronous generator (the extractive one) answers without a promise per event.
      const draft = generator.draft(request);
      return draft instanceof Promise ? draft.then(output) : output(draft);
    },
  };
}
