import { eventCatalog, type Draft, type InteractionGrounded, type ResponseDrafted } from '../../schemas/index.js';
import { withoutPlaceholders } from '../retrieve/query.js';
import type { Stage } from '../runtime/stage.js';
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
export function respondStage(options: RespondOptions = {}): Stage<InteractionGrounded, ResponseDrafted> {
  const generator = options.generator ?? extractiveGenerator();
  return {
    name: 'respond',
    version: '0.1.0',
    inputSchema: eventCatalog().get('InteractionGrounded').schema,
    async handle(event, context) {
      const { interaction, enrichment, classification, grounding } = event;
      let draft: Draft;
      if (classification.outOfScope) {
        // Nothing this desk handles: quoting the knowledge base would answer a question nobody asked.
        draft = holdingDraft(enrichment.language);
      } else {
        const request: DraftRequest = {
          orgId: event.meta.orgId,
          question: questionOf(event),
          language: enrichment.language,
          classification,
          sentiment: enrichment.sentiment,
          customer: enrichment.customer,
          passages: grounding.passages,
        };
        draft = await generator.draft(request);
      }
      context.logger.debug(
        { generator: draft.generator.kind, holding: draft.holding, confidence: draft.confidence },
        'drafted',
      );
      return [{ meta: context.derive(), interaction, enrichment, classification, draft }];
    },
  };
}
